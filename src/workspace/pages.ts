/** The friendly pages a candidate sees when a link does not work: plain words, no detail, no stack, no script. */
const COPY = {
  unknown: {
    title: 'This link does not work',
    body: 'The link may be incomplete or mistyped. Please use the full link from the text message we sent during your call, or ask your interviewer on the phone to send it again.',
  },
  expired: {
    title: 'This link has expired',
    body: 'Workspace links work only during your interview and shortly after it. If your interview is still going on, ask your interviewer on the phone to send a new link.',
  },
  building: {
    title: 'The workspace is starting',
    body: 'Please reload this page in half a minute.',
  },
} as const;

export function friendlyPage(kind: keyof typeof COPY): string {
  return renderFriendlyPage(kind, COPY[kind]);
}

/** The same page with other words (the practice line has its own copy). `copy` must be trusted text. */
export function renderFriendlyPage(kind: string, c: { title: string; body: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${c.title} · screenline</title>
<style>
  :root { color-scheme: light; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f4f6fa;
         font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1c2333; }
  main { max-width: 440px; margin: 24px; padding: 36px 36px 30px; background: #fff; border-radius: 14px;
         box-shadow: 0 1px 2px rgba(16,24,40,.06), 0 8px 28px rgba(16,24,40,.08); }
  .brand { display: flex; align-items: center; gap: 8px; font-weight: 650; letter-spacing: .2px; color: #3452d6; margin-bottom: 22px; }
  .dot { width: 10px; height: 10px; border-radius: 50%; background: #3452d6; }
  h1 { font-size: 22px; margin: 0 0 10px; }
  p { margin: 0; color: #4a5468; }
</style>
</head>
<body>
<main data-testid="link-problem" data-kind="${kind}">
  <div class="brand"><span class="dot"></span>screenline</div>
  <h1>${c.title}</h1>
  <p>${c.body}</p>
</main>
</body>
</html>
`;
}
