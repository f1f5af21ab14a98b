/**
 * A dependency-free SVG renderer for grouped bar charts: one panel per group, each with its own
 * scale (one-way throughput and request/reply rates differ by two orders of magnitude), one bar
 * per series, a whisker from the slowest to the fastest repetition, and an optional note under
 * each panel (a ratio, a goal). Pure: a spec in, an SVG string out.
 */

export interface Bar {
  readonly series: string
  readonly value: number
  /** The spread of repetitions, drawn as a whisker. */
  readonly min?: number
  readonly max?: number
}

export interface Panel {
  readonly title: string
  readonly unit: string
  readonly bars: readonly Bar[]
  readonly note?: string
  /** Draws the note in the warning colour (e.g. a goal not met). */
  readonly noteWarns?: boolean
}

export interface BarChartSpec {
  readonly title: string
  readonly subtitle?: string
  readonly panels: readonly Panel[]
  /** Series in legend order; a bar's colour is its series' index in this list. */
  readonly series: readonly string[]
  readonly footer?: string
}

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1']
const WARN = '#c0392b'
const INK = '#222'
const MUTED = '#666'
const GRID = '#e4e4e4'
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"'

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
}

/** Tick values from 0 to at least `max`: 4-6 round steps (1, 2 or 5 times a power of ten). */
export function niceTicks(max: number): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1]
  const rough = max / 5
  const power = 10 ** Math.floor(Math.log10(rough))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!
  const ticks: number[] = []
  for (let t = 0; t < max + step * 0.999; t += step) ticks.push(Math.round(t / power) * power)
  return ticks
}

/** 1234567 -> "1.23M", 404459 -> "404k", 3046 -> "3.05k", 12.5 -> "12.5". */
export function compact(value: number): string {
  const abs = Math.abs(value)
  const fmt = (v: number, suffix: string) => `${Number(v.toPrecision(3))}${suffix}`
  if (abs >= 1e9) return fmt(value / 1e9, 'G')
  if (abs >= 1e6) return fmt(value / 1e6, 'M')
  if (abs >= 1e3) return fmt(value / 1e3, 'k')
  return fmt(value, '')
}

export function renderBarChart(spec: BarChartSpec): string {
  if (spec.panels.length === 0) throw new RangeError('a bar chart needs at least one panel')
  const panelWidth = 300
  const gap = 40
  const left = 64
  const top = spec.subtitle ? 96 : 76
  const plotHeight = 240
  const noteSpace = spec.panels.some((p) => p.note) ? 28 : 0
  const legendHeight = 28
  const footerHeight = spec.footer ? 22 : 0
  const width = left + spec.panels.length * panelWidth + (spec.panels.length - 1) * gap + 24
  const height = top + plotHeight + 44 + noteSpace + legendHeight + footerHeight + 12
  const color = (series: string) => PALETTE[Math.max(0, spec.series.indexOf(series)) % PALETTE.length]!

  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`)
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`)
  // No text metrics without a browser: shrink the title by its length estimate so it fits.
  const titleSize = Math.max(12, Math.min(18, (width - (left - 40) - 16) / (spec.title.length * 0.6)))
  out.push(`<text x="${left - 40}" y="30" font-size="${titleSize.toFixed(1)}" font-weight="600" fill="${INK}">${escapeXml(spec.title)}</text>`)
  if (spec.subtitle) out.push(`<text x="${left - 40}" y="52" font-size="12" fill="${MUTED}">${escapeXml(spec.subtitle)}</text>`)

  spec.panels.forEach((panel, index) => {
    const x0 = left + index * (panelWidth + gap)
    const y0 = top
    const highest = Math.max(...panel.bars.map((b) => Math.max(b.value, b.max ?? 0)))
    const ticks = niceTicks(highest)
    const scaleMax = ticks[ticks.length - 1]!
    const y = (v: number) => y0 + plotHeight - (v / scaleMax) * plotHeight
    out.push(`<g>`)
    out.push(`<text x="${x0 + panelWidth / 2}" y="${y0 - 16}" font-size="14" font-weight="600" text-anchor="middle" fill="${INK}">${escapeXml(panel.title)}</text>`)
    for (const tick of ticks) {
      out.push(`<line x1="${x0}" x2="${x0 + panelWidth}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="${GRID}"/>`)
      out.push(`<text x="${x0 - 6}" y="${(y(tick) + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="${MUTED}">${compact(tick)}</text>`)
    }
    out.push(
      `<text transform="translate(${x0 - 46} ${y0 + plotHeight / 2}) rotate(-90)" font-size="11" text-anchor="middle" fill="${MUTED}">${escapeXml(panel.unit)}</text>`,
    )
    const slot = panelWidth / panel.bars.length
    const barWidth = Math.min(90, slot * 0.6)
    panel.bars.forEach((bar, i) => {
      const cx = x0 + slot * (i + 0.5)
      const top = y(bar.value)
      out.push(
        `<rect x="${(cx - barWidth / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(y0 + plotHeight - top).toFixed(1)}" fill="${color(bar.series)}"><title>${escapeXml(`${bar.series}: ${bar.value.toLocaleString('en-US', { maximumFractionDigits: 0 })} ${panel.unit}`)}</title></rect>`,
      )
      if (bar.min !== undefined && bar.max !== undefined) {
        const [a, b] = [y(bar.min), y(bar.max)]
        out.push(
          `<path d="M${cx} ${a.toFixed(1)}V${b.toFixed(1)}M${cx - 6} ${a.toFixed(1)}h12M${cx - 6} ${b.toFixed(1)}h12" stroke="${INK}" stroke-width="1.2" fill="none"/>`,
        )
      }
      const labelY = Math.min(top, bar.max === undefined ? top : y(bar.max)) - 6
      out.push(`<text x="${cx}" y="${labelY.toFixed(1)}" font-size="12" font-weight="600" text-anchor="middle" fill="${INK}">${compact(bar.value)}</text>`)
      out.push(`<text x="${cx}" y="${y0 + plotHeight + 18}" font-size="11" text-anchor="middle" fill="${INK}">${escapeXml(bar.series)}</text>`)
    })
    out.push(`<line x1="${x0}" x2="${x0 + panelWidth}" y1="${y0 + plotHeight}" y2="${y0 + plotHeight}" stroke="${INK}"/>`)
    if (panel.note) {
      out.push(
        `<text x="${x0 + panelWidth / 2}" y="${y0 + plotHeight + 44}" font-size="13" font-weight="600" text-anchor="middle" fill="${panel.noteWarns ? WARN : INK}">${escapeXml(panel.note)}</text>`,
      )
    }
    out.push(`</g>`)
  })

  let lx = left
  const ly = top + plotHeight + 44 + noteSpace + 10
  for (const series of spec.series) {
    out.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${color(series)}"/>`)
    out.push(`<text x="${lx + 18}" y="${ly}" font-size="12" fill="${INK}">${escapeXml(series)}</text>`)
    lx += 24 + series.length * 7.2
  }
  const whiskerNote = 'bar: median; whisker: slowest to fastest run'
  out.push(`<text x="${width - 24}" y="${ly}" font-size="11" text-anchor="end" fill="${MUTED}">${whiskerNote}</text>`)
  if (spec.footer) out.push(`<text x="${left - 40}" y="${ly + 24}" font-size="11" fill="${MUTED}">${escapeXml(spec.footer)}</text>`)
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
