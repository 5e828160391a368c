export const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—');
export const statusLabel = (s: string) => s.replace(/_/g, ' ');
export const bandClass = (band: string) => `band band-${band.replace(/[^a-z0-9_-]/gi, '')}`;
