/**
 * The bits every served page shares: escaping, the page frame with its inline style (no
 * external assets: the binhost may be served on a network without anything else), and the
 * formats of sizes and times.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text → HTML text or attribute value. Everything from an index, a marker or a request passes here. */
export function esc(text: string | number | undefined): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A URL path from `/`-separated segments, each percent-encoded. */
export function hrefOf(...parts: string[]): string {
  return `/${parts.flatMap((p) => p.split('/')).filter(Boolean).map(encodeURIComponent).join('/')}`;
}

export function formatSize(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** Unix seconds → `2026-03-08 20:00 UTC` (the server's clock zone would differ per host). */
export function formatTime(unixSeconds: number | undefined): string {
  if (unixSeconds === undefined) return '';
  return `${new Date(unixSeconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1b1f23;--bg:#fff;--mute:#5c6670;--line:#d8dee4;--tint:#f3f5f7;--acc:#0b5cad}
@media (prefers-color-scheme:dark){:root{--fg:#e6e8eb;--bg:#15181b;--mute:#9aa4ad;--line:#33393f;--tint:#1e2327;--acc:#6cb2ff}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.2rem 0 .6rem;overflow-wrap:anywhere}
h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
a{color:var(--acc)}
nav{font-size:.9rem;color:var(--mute);overflow-wrap:anywhere}
.meta{color:var(--mute);font-size:.9rem}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--tint);white-space:nowrap}
tr:last-child td{border-bottom:0}
td.num{text-align:right;white-space:nowrap}
td.name,td.when{white-space:nowrap}
code{overflow-wrap:anywhere}
td.use{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.8rem;min-width:12rem;overflow-wrap:anywhere}
tr.current td{font-weight:600}
.badge{display:inline-block;padding:0 .4rem;border-radius:4px;background:var(--acc);color:var(--bg);font-size:.75rem;font-weight:600}
pre{background:var(--tint);border:1px solid var(--line);border-radius:6px;padding:.7rem;overflow-x:auto;font-size:.85rem}
ul.parts{padding-left:1.1rem}ul.parts li{margin:.3rem 0;overflow-wrap:anywhere}
`;

/** A whole page; `body` must already be HTML (built with `esc`). */
export function page(title: string, body: string): string {
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${esc(title)}</title><style>${STYLE}</style></head>\n<body><main>\n${body}\n</main></body></html>\n`
  );
}
