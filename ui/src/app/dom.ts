/** A tiny element builder: the UI has no framework, and this keeps page code readable. */
export type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { class?: string; text?: string; attrs?: Record<string, string>; on?: Partial<Record<keyof HTMLElementEventMap, (ev: Event) => void>> } = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.attrs) for (const [k, v] of Object.entries(props.attrs)) node.setAttribute(k, v);
  if (props.on) for (const [type, fn] of Object.entries(props.on)) if (fn) node.addEventListener(type, fn);
  for (const child of children) if (child) node.append(child);
  return node;
}

/** A touch target: a real <button> (keyboard and screen-reader friendly), never hover-dependent. */
export function button(label: string, onClick: () => void, className = 'btn', attrs: Record<string, string> = {}): HTMLButtonElement {
  const b = el('button', { class: className, text: label, attrs: { type: 'button', ...attrs } });
  b.addEventListener('click', onClick);
  return b;
}
