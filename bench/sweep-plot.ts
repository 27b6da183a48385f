// A plain SVG line chart of throughput against pipeline depth (log2 axis), one line per series:
// enough for the sweep, with no plotting dependency.

export interface SweepRow {
  series: string;
  pipeline: number;
  requestsPerSecond: number;
}

const width = 760;
const height = 460;
const margin = { left: 80, right: 200, top: 30, bottom: 50 };
const colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export function plotSweep(rows: SweepRow[]): string {
  const series = [...new Set(rows.map((r) => r.series))];
  const depths = rows.map((r) => Math.log2(r.pipeline));
  const minX = Math.min(0, ...depths);
  const maxX = Math.max(1, ...depths);
  const maxY = niceCeiling(Math.max(1, ...rows.map((r) => r.requestsPerSecond)));
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const x = (pipeline: number) => margin.left + ((Math.log2(pipeline) - minX) / (maxX - minX)) * plotW;
  const y = (rps: number) => margin.top + plotH - (rps / maxY) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${margin.left}" y="18" font-size="14">fkvs throughput vs pipeline depth (medians)</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const value = (maxY * i) / 5;
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y(value)}" y2="${y(value)}" stroke="#ddd"/>`,
      `<text x="${margin.left - 6}" y="${y(value) + 4}" text-anchor="end">${(value / 1e6).toFixed(2)}M</text>`,
    );
  }
  for (let e = Math.ceil(minX); e <= maxX; e++) {
    const px = x(2 ** e);
    parts.push(
      `<line x1="${px}" x2="${px}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#eee"/>`,
      `<text x="${px}" y="${margin.top + plotH + 16}" text-anchor="middle">${2 ** e}</text>`,
    );
  }
  parts.push(
    `<text x="${margin.left + plotW / 2}" y="${height - 10}" text-anchor="middle">pipeline depth</text>`,
    `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">requests/s</text>`,
  );
  series.forEach((name, i) => {
    const color = colors[i % colors.length];
    const points = rows
      .filter((r) => r.series === name)
      .sort((a, b) => a.pipeline - b.pipeline)
      .map((r) => `${x(r.pipeline).toFixed(1)},${y(r.requestsPerSecond).toFixed(1)}`);
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>`,
      `<rect x="${width - margin.right + 16}" y="${margin.top + i * 20}" width="12" height="12" fill="${color}"/>`,
      `<text x="${width - margin.right + 34}" y="${margin.top + i * 20 + 10}">${name}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** 1, 2 or 5 times a power of ten, at least `value`. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}
