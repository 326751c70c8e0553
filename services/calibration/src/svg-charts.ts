/**
 * Small inline SVG charts for the HTML report: no script, no external resource, readable
 * without CSS. Every chart is an <svg> with a data-chart attribute and a <title>.
 */

const W = 560;
const H = 300;
const M = { left: 56, right: 16, top: 16, bottom: 48 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

export const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const n = (x: number): string => (Math.round(x * 10) / 10).toString();

function frame(kind: string, title: string, body: string[], xLabel: string, yLabel: string): string {
  return [
    `<svg data-chart="${kind}" role="img" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="11">`,
    `<title>${escapeHtml(title)}</title>`,
    `<line x1="${M.left}" y1="${M.top + PH}" x2="${M.left + PW}" y2="${M.top + PH}" stroke="#333"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + PH}" stroke="#333"/>`,
    ...body,
    `<text x="${M.left + PW / 2}" y="${H - 8}" text-anchor="middle">${escapeHtml(xLabel)}</text>`,
    `<text transform="translate(14 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>`,
    '</svg>',
  ].join('\n');
}

function yTicks(max: number, format: (v: number) => string): string[] {
  const out: string[] = [];
  for (let k = 0; k <= 4; k += 1) {
    const v = (max * k) / 4;
    const y = M.top + PH - (PH * k) / 4;
    out.push(`<line x1="${M.left - 4}" y1="${n(y)}" x2="${M.left + PW}" y2="${n(y)}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 6}" y="${n(y + 4)}" text-anchor="end">${escapeHtml(format(v))}</text>`);
  }
  return out;
}

export interface Bar {
  readonly label: string;
  /** Stacked: `value` total, `highlight` the darker part (e.g. converters). */
  readonly value: number;
  readonly highlight?: number;
  readonly tooltip: string;
}

/** Vertical bars (stacked highlight), with an optional horizontal reference line. */
export function barChart(
  kind: string,
  title: string,
  bars: readonly Bar[],
  xLabel: string,
  yLabel: string,
  options: { reference?: { value: number; label: string }; format?: (v: number) => string } = {},
): string {
  const format = options.format ?? ((v: number) => String(Math.round(v)));
  const max = Math.max(1e-9, ...bars.map((b) => b.value), options.reference?.value ?? 0) * 1.05;
  const slot = PW / Math.max(1, bars.length);
  const body = [...yTicks(max, format)];
  bars.forEach((bar, i) => {
    const x = M.left + i * slot + slot * 0.1;
    const w = slot * 0.8;
    const h = (PH * bar.value) / max;
    body.push(
      `<rect class="bar" x="${n(x)}" y="${n(M.top + PH - h)}" width="${n(w)}" height="${n(h)}" fill="#9ec5e8"><title>${escapeHtml(bar.tooltip)}</title></rect>`,
    );
    if (bar.highlight !== undefined && bar.highlight > 0) {
      const hh = (PH * bar.highlight) / max;
      body.push(
        `<rect x="${n(x)}" y="${n(M.top + PH - hh)}" width="${n(w)}" height="${n(hh)}" fill="#1f6fb2"><title>${escapeHtml(bar.tooltip)}</title></rect>`,
      );
    }
    if (bars.length <= 12 || i % Math.ceil(bars.length / 12) === 0) {
      body.push(`<text x="${n(x + w / 2)}" y="${M.top + PH + 14}" text-anchor="middle">${escapeHtml(bar.label)}</text>`);
    }
  });
  if (options.reference !== undefined) {
    const y = M.top + PH - (PH * options.reference.value) / max;
    body.push(`<line x1="${M.left}" y1="${n(y)}" x2="${M.left + PW}" y2="${n(y)}" stroke="#c0392b" stroke-dasharray="5 3"/>`);
    body.push(
      `<text x="${M.left + PW - 4}" y="${n(y - 4)}" text-anchor="end" fill="#c0392b">${escapeHtml(options.reference.label)}</text>`,
    );
  }
  return frame(kind, title, body, xLabel, yLabel);
}

export interface Curve {
  readonly name: string;
  readonly color: string;
  /** (x, y) in [0, 1]². */
  readonly points: readonly (readonly [number, number])[];
}

/** ROC curves on the unit square with the diagonal of a random ranking. */
export function rocChart(title: string, curves: readonly Curve[]): string {
  const px = (x: number): string => n(M.left + x * PW);
  const py = (y: number): string => n(M.top + PH - y * PH);
  const body = [...yTicks(1, (v) => v.toFixed(2))];
  for (let k = 0; k <= 4; k += 1)
    body.push(`<text x="${px(k / 4)}" y="${M.top + PH + 14}" text-anchor="middle">${(k / 4).toFixed(2)}</text>`);
  body.push(`<line x1="${px(0)}" y1="${py(0)}" x2="${px(1)}" y2="${py(1)}" stroke="#999" stroke-dasharray="4 4"/>`);
  curves.forEach((curve, i) => {
    const d = curve.points.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${px(x)} ${py(y)}`).join(' ');
    body.push(
      `<path class="curve" d="${d}" fill="none" stroke="${curve.color}" stroke-width="2"><title>${escapeHtml(curve.name)}</title></path>`,
    );
    body.push(`<rect x="${M.left + PW - 190}" y="${M.top + PH - 20 - i * 16}" width="10" height="10" fill="${curve.color}"/>`);
    body.push(`<text x="${M.left + PW - 175}" y="${M.top + PH - 11 - i * 16}">${escapeHtml(curve.name)}</text>`);
  });
  return frame('roc', title, body, 'false positive rate (non-converters selected)', 'true positive rate (converters found)');
}
