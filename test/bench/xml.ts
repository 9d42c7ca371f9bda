/** A tiny XML reader for tests: enough to say a document is well-formed and to query its elements. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function checkText(text: string, where: string): string {
  const bare = text.replace(ENTITY, '');
  if (bare.includes('&') || bare.includes('<')) throw new Error(`a bare & or < in ${where}: ${JSON.stringify(text.slice(0, 80))}`);
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** Parses `source`, throwing on anything not well-formed (unbalanced tags, unquoted or repeated attributes, bare `&`). */
export function parseXml(source: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const token = /<[^>]*>|[^<]+/g;
  for (const [raw] of source.matchAll(token)) {
    if (!raw.startsWith('<')) {
      if (stack.length === 0) {
        if (raw.trim() !== '') throw new Error(`text outside the root: ${JSON.stringify(raw.slice(0, 80))}`);
        continue;
      }
      stack[stack.length - 1]!.text += checkText(raw, 'text');
      continue;
    }
    if (raw.startsWith('<?') || raw.startsWith('<!--')) continue;
    if (raw.startsWith('</')) {
      const name = raw.slice(2, -1).trim();
      const open = stack.pop();
      if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name ?? 'nothing'}>`);
      continue;
    }
    const selfClosing = raw.endsWith('/>');
    const body = raw.slice(1, selfClosing ? -2 : -1);
    const m = /^([A-Za-z_][-\w:.]*)/.exec(body);
    if (!m) throw new Error(`a tag without a name: ${raw}`);
    const element: XmlElement = { name: m[1]!, attrs: {}, children: [], text: '' };
    let rest = body.slice(m[1]!.length);
    const attr = /^\s+([A-Za-z_:][-\w:.]*)="([^"]*)"/;
    for (let a = attr.exec(rest); a; a = attr.exec(rest)) {
      if (a[1]! in element.attrs) throw new Error(`attribute ${a[1]} twice in ${raw}`);
      element.attrs[a[1]!] = checkText(a[2]!, `attribute ${a[1]}`);
      rest = rest.slice(a[0].length);
    }
    if (rest.trim() !== '') throw new Error(`cannot read ${JSON.stringify(rest)} in ${raw}`);
    if (stack.length === 0) {
      if (root) throw new Error('a second root element');
      root = element;
    } else stack[stack.length - 1]!.children.push(element);
    if (!selfClosing) stack.push(element);
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1]!.name}> is never closed`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every element under `root` (itself included) that `match` accepts, in document order. */
export function findAll(root: XmlElement, match: (e: XmlElement) => boolean): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    if (match(e)) out.push(e);
    e.children.forEach(walk);
  };
  walk(root);
  return out;
}
