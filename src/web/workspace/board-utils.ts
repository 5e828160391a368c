/** A Blob as base64 (no data: prefix), for JSON messages on the live channel. */
export async function blobToBase64(blob: Blob): Promise<string> {
  const url = await new Promise<string>((res, rej) => {
    const r = new FileReader();
    r.onload = () => res(String(r.result));
    r.onerror = () => rej(r.error ?? new Error('read failed'));
    r.readAsDataURL(blob);
  });
  return url.slice(url.indexOf(',') + 1);
}
