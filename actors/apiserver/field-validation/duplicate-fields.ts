/**
 * Duplicate fields in a JSON text (`{"replicas": 1, "replicas": 2}`), which JSON.parse silently
 * resolves to the last: their paths, as kube-apiserver's strict decoder names them
 * (`spec.replicas`, `spec.containers[0].name`). The text must already be valid JSON. Pure.
 */
export function duplicateFields(text: string): string[] {
  const scan = new Scan(text)
  scan.value('')
  return scan.duplicates
}

const join = (path: string, name: string): string => (path === '' ? name : `${path}.${name}`)

class Scan {
  readonly duplicates: string[] = []
  private readonly text: string
  private at = 0

  constructor(text: string) {
    this.text = text
  }

  value(path: string): void {
    this.space()
    const c = this.text[this.at]
    if (c === '{') this.object(path)
    else if (c === '[') this.array(path)
    else if (c === '"') this.string()
    else while (this.at < this.text.length && !',]} \t\r\n'.includes(this.text[this.at]!)) this.at++
  }

  private object(path: string): void {
    const seen = new Set<string>()
    this.at++ // {
    this.space()
    if (this.text[this.at] === '}') return void this.at++
    for (;;) {
      this.space()
      const key = JSON.parse(this.string()) as string
      if (seen.has(key)) this.duplicates.push(join(path, key))
      seen.add(key)
      this.space()
      this.at++ // :
      this.value(join(path, key))
      this.space()
      if (this.text[this.at++] === '}') return
    }
  }

  private array(path: string): void {
    this.at++ // [
    this.space()
    if (this.text[this.at] === ']') return void this.at++
    for (let i = 0; ; i++) {
      this.value(`${path}[${i}]`)
      this.space()
      if (this.text[this.at++] === ']') return
    }
  }

  /** The string token at the cursor, quotes included. */
  private string(): string {
    const start = this.at++
    while (this.text[this.at] !== '"') this.at += this.text[this.at] === '\\' ? 2 : 1
    this.at++
    return this.text.slice(start, this.at)
  }

  private space(): void {
    while (' \t\r\n'.includes(this.text[this.at] ?? '.')) this.at++
  }
}
