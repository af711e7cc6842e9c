/**
 * The HTML pages `binfarm serve` answers for `/` and for each partition: server-rendered,
 * everything escaped, links as absolute paths (a partition page is reachable with and without
 * a trailing slash, so relative links would break).
 */
import { esc, formatSize, formatTime, hrefOf, page } from './html.ts';
import type { PartitionView } from './partition-view.ts';
import { binreposSnippet } from './binrepos.ts';

export interface IndexEntry {
  rel: string;
  /** Undefined when the partition has no readable index. */
  view: PartitionView | undefined;
}

function currentOf(view: PartitionView | undefined): number | undefined {
  return view?.generations.find((g) => g.current)?.generation;
}

/** `/` (or a directory above partitions): the partitions served, with links. */
export function renderIndexPage(entries: IndexEntry[], opts: { baseUrl: string; prefix?: string }): string {
  const title = opts.prefix ? `binhost: /${opts.prefix}/` : 'binhost';
  const items = entries.map(({ rel, view }) => {
    const current = currentOf(view);
    const facts = view
      ? [`${view.packages.length} package${view.packages.length === 1 ? '' : 's'}`, current !== undefined ? `generation ${current}` : 'not in generations']
      : ['no index yet'];
    if (view?.indexTime !== undefined) facts.push(`index of ${formatTime(view.indexTime)}`);
    return `<li><a href="${esc(hrefOf(rel))}/">${esc(rel)}</a> <span class="meta">— ${esc(facts.join(', '))}</span></li>`;
  });
  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p class="meta">Binary packages for Portage, served by binfarm at ${esc(opts.baseUrl)}. Each partition is one sync-uri: ` +
      `binpkgs never mix across architecture, profile or compiler settings.</p>`,
    `<h2>Partitions</h2>`,
    entries.length ? `<ul class="parts">\n${items.join('\n')}\n</ul>` : `<p>No partition is published here yet.</p>`,
  ];
  return page(title, body.join('\n'));
}

function packagesTable(view: PartitionView, linkBase: string): string {
  if (!view.packages.length) return '<p>The index lists no packages.</p>';
  const rows = view.packages.map((p) => {
    const link = p.path ? `<a href="${esc(hrefOf(linkBase, p.path))}">${esc(p.name)}</a>` : esc(p.name);
    return (
      `<tr><td class="name">${link}</td><td>${esc(p.version)}</td><td class="num">${esc(p.buildId)}</td>` +
      `<td class="use">${esc(p.use)}</td><td class="num">${esc(formatSize(p.size))}</td><td class="num when">${esc(formatTime(p.buildTime))}</td></tr>`
    );
  });
  return (
    `<div class="scroll"><table id="packages"><thead><tr><th>Package</th><th>Version</th><th>Build</th><th>USE</th><th>Size</th><th>Built</th></tr></thead>\n` +
    `<tbody>\n${rows.join('\n')}\n</tbody></table></div>`
  );
}

function generationsTable(view: PartitionView): string {
  if (!view.generations.length) return '<p class="meta">Not published in generations: this is the index as it is on disk.</p>';
  const rows = [...view.generations].reverse().map(
    (g) =>
      `<tr${g.current ? ' class="current"' : ''}><td class="num">${esc(g.generation)}</td><td>${g.current ? '<span class="badge">current</span>' : ''}</td>` +
      `<td class="when">${esc(g.createdAt ? formatTime(Math.floor(Date.parse(g.createdAt) / 1000)) : '')}</td><td class="num">${esc(g.packages)}</td></tr>`,
  );
  return (
    `<div class="scroll"><table id="generations"><thead><tr><th>Generation</th><th></th><th>Published</th><th>Packages</th></tr></thead>\n` +
    `<tbody>\n${rows.join('\n')}\n</tbody></table></div>`
  );
}

/** A partition: its packages, its generations and the binrepos.conf a client copies. */
export function renderPartitionPage(view: PartitionView, opts: { syncUri: string; verifySignature?: boolean }): string {
  const title = `binhost: ${view.rel}`;
  const body = [
    `<nav><a href="/">binhost</a> / ${esc(view.rel)}</nav>`,
    `<h1>${esc(view.rel)}</h1>`,
    `<p class="meta">${esc(view.packages.length)} package${view.packages.length === 1 ? '' : 's'}` +
      `${view.indexTime !== undefined ? `, index of ${esc(formatTime(view.indexTime))}` : ''} · ` +
      `<a href="${esc(hrefOf(view.rel, 'Packages'))}">Packages</a></p>`,
    `<h2>Use it</h2>`,
    `<p>Put this in <code>/etc/portage/binrepos.conf/binfarm.conf</code>, then <code>emerge --getbinpkg …</code>:</p>`,
    `<pre id="binrepos">${esc(binreposSnippet(opts.syncUri, 'binfarm', opts.verifySignature ?? false))}</pre>`,
    `<h2>Packages</h2>`,
    packagesTable(view, view.rel),
    `<h2>Generations</h2>`,
    generationsTable(view),
  ];
  return page(title, body.join('\n'));
}
