/**
 * The receivers of a network output (`outputs.vmc.targets`...): one row per host and port, each
 * edited with the on-screen keyboard (opened on its digit pad: hosts are mostly IP addresses) and the
 * numeric pad, removed with its own button; "Add target" asks for the new host at once, starting from
 * the box's own network prefix ("192.168.1."), and takes the port of the row above. Limits (most rows, host length, port
 * range) come from the settings JSON Schema. Like Field, the list is a draft until the form is
 * applied, and the service's refusals are shown where they belong: a host or port next to it, a
 * duplicate on its row, "at most 8" under the list. Each row also shows its target's live state.
 */
import type { JsonSchemaNode, OutputState, SettingsPatch } from '../../api/http';
import { button, el } from '../dom';
import { openKeyboard } from '../input/keyboard';
import { openNumpad } from '../input/numpad';
import { outputStateLabel } from '../output-badge';
import { schemaAt } from './field-spec';
import type { FieldOptions, FormField } from './fields';

export interface Target {
  host: string;
  port: number;
}

/** Whether the setting at `path` is a list of targets (an array of host and port objects). */
export function isTargetList(root: JsonSchemaNode, path: string): boolean {
  const props = schemaAt(root, path)?.items?.properties;
  return !!props?.host && !!props?.port;
}

function asTargets(v: unknown): Target[] {
  return Array.isArray(v) ? v.map((t: Partial<Target>) => ({ host: String(t?.host ?? ''), port: Number(t?.port ?? 0) })) : [];
}

const same = (a: Target[], b: Target[]): boolean => a.length === b.length && a.every((t, i) => t.host === b[i].host && t.port === b[i].port);
const describe = (list: Target[]): string => list.map((t) => `${t.host}:${t.port}`).join(', ');

export class TargetListField implements FormField {
  readonly element: HTMLElement;
  private readonly rows: HTMLElement;
  private readonly note: HTMLElement;
  private readonly error: HTMLElement;
  private readonly node: JsonSchemaNode;
  private service: Target[] = [];
  private draftList: Target[] = [];
  private dirty = false;
  /** The service's refusals by path, shown until the next edit or apply. */
  private issues = new Map<string, string>();
  /** Each target's live state (status API), and the rows' badges that show it. */
  private states: NonNullable<OutputState['targets']> = [];
  private badges: { target: Target; element: HTMLElement }[] = [];
  /** The box's network prefix ("192.168.1.") a new host starts from, and the box's address for the hint. */
  private hostStart = { prefix: '', boxAddress: '' };
  onEdit: () => void = () => {};

  constructor(
    root: JsonSchemaNode,
    readonly path: string,
    private readonly options: FieldOptions,
  ) {
    const node = schemaAt(root, path);
    if (!node?.items?.properties) throw new Error(`settings schema has no target list ${path}`);
    this.node = node;
    this.rows = el('div', { class: 'target-rows' });
    this.note = el('div', { class: 'field-note', attrs: { 'data-note-for': path } });
    this.error = el('div', { class: 'field-error', attrs: { 'data-error-for': path, role: 'alert' } });
    const head = el(
      'div',
      { class: 'field-head' },
      el('span', { class: 'field-label', text: options.label ?? node.title ?? 'Targets' }),
      node.description && !options.hideDescription ? el('span', { class: 'field-desc', text: node.description }) : null,
    );
    this.element = el('div', { class: 'field field-targets', attrs: { 'data-path': path } }, head, this.rows, this.note, this.error);
    this.render();
  }

  get isDirty(): boolean {
    return this.dirty;
  }

  get draft(): SettingsPatch[] {
    return this.draftList.map((t) => ({ host: t.host, port: t.port }));
  }

  /** The list shown: the draft if edited, else the service's. */
  get value(): Target[] {
    return this.dirty ? this.draftList : this.service;
  }

  setService(value: unknown): void {
    this.service = asTargets(value);
    if (this.dirty && same(this.draftList, this.service)) this.dirty = false;
    this.render();
  }

  revert(): void {
    this.dirty = false;
    this.clearErrors();
  }

  showIssue(path: string, message: string): void {
    this.issues.set(path, message);
    this.render();
  }

  clearErrors(): void {
    this.issues.clear();
    this.render();
  }

  /** Each target's state from the status API, shown on the row with that host and port (updated in place). */
  setTargetStates(states: OutputState['targets']): void {
    this.states = states ?? [];
    for (const b of this.badges) this.showState(b.target, b.element);
  }

  /** Where a new host starts: the box's own network prefix; its address goes in the keyboard's hint. */
  setHostStart(prefix: string, boxAddress: string): void {
    this.hostStart = { prefix, boxAddress };
  }

  private showState(t: Target, badge: HTMLElement): void {
    const state = this.states.find((s) => s.host === t.host && s.port === t.port);
    badge.className = `badge badge-${state?.status ?? 'unknown'}`;
    badge.textContent = state ? outputStateLabel(state) : '';
    badge.title = state?.detail ?? '';
  }

  private edit(list: Target[]): void {
    this.draftList = list;
    this.dirty = !same(list, this.service);
    this.issues.clear();
    this.render();
    this.onEdit();
  }

  private render(): void {
    const list = this.value;
    this.badges = [];
    const max = this.node.maxItems ?? Infinity;
    const min = this.node.minItems ?? 1;
    this.rows.replaceChildren(
      ...list.map((t, i) => this.row(t, i, list.length > min)),
      button('Add target', () => void this.add(), 'btn add-target', { 'data-add-target': this.path, ...(list.length >= max ? { disabled: '' } : {}) }),
    );
    this.element.classList.toggle('dirty', this.dirty);
    this.note.textContent = this.dirty ? `Saved: ${describe(this.service)}` : '';
    const listIssue = this.issues.get(this.path) ?? '';
    this.error.textContent = listIssue;
    this.element.classList.toggle('has-error', this.issues.size > 0);
  }

  private row(t: Target, i: number, removable: boolean): HTMLElement {
    const at = `${this.path}.${i}`;
    const issue = (p: string) => el('div', { class: 'field-error', text: this.issues.get(p) ?? '', attrs: { 'data-error-for': p, role: 'alert' } });
    const host = button(t.host || 'Host…', () => void this.editHost(i), `value-button text${this.issues.has(`${at}.host`) ? ' invalid' : ''}`, {
      'data-field': `${at}.host`,
      'aria-label': `Target ${i + 1} host`,
    });
    const port = button(String(t.port), () => void this.editPort(i), `value-button small${this.issues.has(`${at}.port`) ? ' invalid' : ''}`, {
      'data-field': `${at}.port`,
      'aria-label': `Target ${i + 1} port`,
    });
    const remove = button('Remove', () => this.edit(this.value.filter((_, k) => k !== i)), 'btn danger small', {
      'data-remove-target': at,
      'aria-label': `Remove target ${i + 1}`,
      ...(removable ? {} : { disabled: '' }),
    });
    const badge = el('span', { attrs: { 'data-target-badge': at, role: 'status' } });
    this.showState(t, badge);
    this.badges.push({ target: t, element: badge });
    return el(
      'div',
      { class: `target-row${this.issues.has(at) ? ' invalid' : ''}`, attrs: { 'data-target-row': at } },
      el('div', { class: 'target-controls' }, host, el('span', { class: 'target-colon', text: ':' }), port, badge, remove),
      issue(`${at}.host`),
      issue(`${at}.port`),
      issue(at),
    );
  }

  private hostSpec(): JsonSchemaNode {
    return this.node.items?.properties?.host ?? {};
  }

  private portSpec(): JsonSchemaNode {
    return this.node.items?.properties?.port ?? {};
  }

  private askHost(title: string, value: string): Promise<string | undefined> {
    const box = this.hostStart.boxAddress ? ` This box is ${this.hostStart.boxAddress}; a PC on the same network usually starts the same.` : '';
    return openKeyboard({ title, value, maxLength: this.hostSpec().maxLength, layout: 'address', hint: `Your PC's IP address (192.168.1.20) or host name (gaming-pc.local: tap abc).${box}` });
  }

  private async editHost(i: number): Promise<void> {
    const answer = await this.askHost(`Target ${i + 1} host`, this.value[i].host);
    if (answer !== undefined) this.edit(this.value.map((t, k) => (k === i ? { ...t, host: answer } : t)));
  }

  private async editPort(i: number): Promise<void> {
    const spec = this.portSpec();
    const answer = await openNumpad({ title: `Target ${i + 1} port`, value: this.value[i].port, integer: true, min: spec.minimum, max: spec.maximum });
    if (typeof answer === 'number') this.edit(this.value.map((t, k) => (k === i ? { ...t, port: answer } : t)));
  }

  /** A new row: the host typed now (cancel adds nothing), the port of the last row. */
  private async add(): Promise<void> {
    const list = this.value;
    const host = await this.askHost(`Target ${list.length + 1} host`, this.hostStart.prefix);
    if (host === undefined) return;
    const port = list.at(-1)?.port ?? Number((this.node.default as Target[] | undefined)?.[0]?.port ?? 0);
    this.edit([...list, { host, port }]);
  }
}
