/**
 * The evaluation report: metrics table (real ceiling vs generated), per-pitch accuracy plot (inline SVG),
 * spectrogram grid of generated notes (PNG files) and their audio (WAV files), all beside report.html.
 */
import type { SetScores } from './evaluate.ts';
import type { SanityReport } from './sanity.ts';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

function perPitchSvg(sets: { name: string; color: string; scores: SetScores }[]): string {
  const w = 640;
  const h = 200;
  const pad = 30;
  const x = (p: number) => pad + ((p - 24) / 60) * (w - 2 * pad);
  const y = (a: number) => h - pad - a * (h - 2 * pad);
  const lines = sets.map(({ color, scores }) => {
    const pts = scores.perPitch.map(([p, a]) => `${x(p).toFixed(1)},${y(a).toFixed(1)}`).join(' ');
    const dots = scores.perPitch.map(([p, a]) => `<circle cx="${x(p).toFixed(1)}" cy="${y(a).toFixed(1)}" r="2.5" fill="${color}"/>`).join('');
    return `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts}"/>${dots}`;
  });
  const ticks = [24, 36, 48, 60, 72, 84].map((p) => `<text x="${x(p)}" y="${h - 8}" font-size="10" text-anchor="middle">${p}</text>`).join('');
  const legend = sets.map((s, i) => `<text x="${w - 150}" y="${16 + 14 * i}" font-size="11" fill="${s.color}">${esc(s.name)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="accuracy per pitch">
<rect width="${w}" height="${h}" fill="#fff"/><line x1="${pad}" y1="${y(0)}" x2="${w - pad}" y2="${y(0)}" stroke="#999"/>
<line x1="${pad}" y1="${y(1)}" x2="${w - pad}" y2="${y(1)}" stroke="#ddd"/><text x="4" y="${y(1) + 4}" font-size="10">1.0</text>
<text x="4" y="${y(0) + 4}" font-size="10">0.0</text>${ticks}${lines.join('')}${legend}</svg>`;
}

/** Inputs of the report page. */
export interface ReportInput {
  readonly title: string;
  readonly classifierAccuracy?: number;
  readonly real: SetScores;
  readonly generated?: SetScores;
  readonly samples: { pitch: number; png: string; wav: string; sanity: SanityReport }[];
  readonly provenance: Record<string, unknown>;
}

/** The report as one HTML string (relative links to the PNG/WAV files). */
export function renderReportHtml(r: ReportInput): string {
  const row = (name: string, s: SetScores) =>
    `<tr><th>${esc(name)}</th><td>${s.notes}</td><td>${fmt(s.pitchAccuracy.value)} ± ${fmt(s.pitchAccuracy.ci95)}</td>` +
    `<td>${fmt(s.pitchEntropy.value)} ± ${fmt(s.pitchEntropy.ci95)}</td><td>${fmt(s.inceptionScore.value, 2)} ± ${fmt(s.inceptionScore.ci95, 2)}</td>` +
    `<td>${fmt(s.fid, 2)}</td><td>${s.ndb.count}/${s.ndb.k}</td></tr>`;
  const sets = [{ name: 'real (held out)', color: '#1f77b4', scores: r.real }];
  if (r.generated) sets.push({ name: 'generated', color: '#d62728', scores: r.generated });
  const grid = r.samples
    .map(
      (s) => `<figure><img src="${esc(s.png)}" alt="spectrogram of generated pitch ${s.pitch}"><figcaption>pitch ${s.pitch}` +
        `${s.sanity.flags.length ? ` <b>${esc(s.sanity.flags.join(', '))}</b>` : ''}<br><audio controls src="${esc(s.wav)}"></audio></figcaption></figure>`,
    )
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
figure{display:inline-block;margin:6px;vertical-align:top}img{width:256px;height:256px;image-rendering:pixelated;border:1px solid #ccc}audio{width:256px}</style></head><body>
<h1>${esc(r.title)}</h1>
${r.classifierAccuracy !== undefined ? `<p>Pitch classifier accuracy on held-out real notes: <b>${fmt(r.classifierAccuracy)}</b></p>` : ''}
<table><tr><th>set</th><th>notes</th><th>PA ↑</th><th>PE ↓ (nats)</th><th>IS ↑</th><th>FID ↓</th><th>NDB ↓</th></tr>
${row('real (held out)', r.real)}${r.generated ? row('generated', r.generated) : ''}</table>
<p>PA/PE/IS from the classifier's softmax (± 95 % CI), FID on its penultimate features vs real training notes, NDB: k-means
bins on real training spectrograms, two-proportion z-test at α = ${r.real.ndb.alpha}.</p>
<h2>Accuracy per pitch</h2>${perPitchSvg(sets)}
${grid ? `<h2>Generated samples</h2>${grid}` : ''}
<h2>Provenance</h2><pre>${esc(JSON.stringify(r.provenance, null, 2))}</pre></body></html>`;
}
