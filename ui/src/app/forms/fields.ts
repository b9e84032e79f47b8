/**
 * One form field per setting, built from its FieldSpec. A field shows the service's value until the
 * user edits it; an edit is a draft (marked, with the saved value shown beside it) until the form is
 * applied. Text and numbers are entered with the on-screen keyboard or numeric pad, never a system
 * keyboard, since the touch panel has none.
 */
import { button, el } from '../dom';
import { openKeyboard } from '../input/keyboard';
import { openNumpad } from '../input/numpad';
import { openPicker, type PickerChoice } from '../input/picker';
import type { SettingsPatchValue } from '../../api/http';
import type { FieldSpec } from './field-spec';

export type FieldValue = string | number | boolean | null;

/**
 * What a SettingsForm needs of a field. Field (one value, this file) and TargetListField (a list of
 * hosts and ports, target-list.ts) are both one.
 */
export interface FormField {
  readonly element: HTMLElement;
  /** Dotted settings path of the value it edits. */
  readonly path: string;
  readonly isDirty: boolean;
  /** The edited value, as the form's patch carries it. */
  readonly draft: SettingsPatchValue;
  /** Called after every user edit (the form enables its Apply button). */
  onEdit: () => void;
  /** The service's current value; shown unless the user has an edit pending. */
  setService(value: unknown): void;
  revert(): void;
  /** Shows the service's refusal of this field, or of a part of it (`path` lies under the field's). */
  showIssue(path: string, message: string): void;
  clearErrors(): void;
}

export interface FieldOptions {
  path: string;
  /** Overrides the schema's title (e.g. "Enabled" inside the VMC card rather than "VMC protocol"). */
  label?: string;
  /** Hide the schema's description (when the card already says it). */
  hideDescription?: boolean;
  /** Display names for choice values. */
  choiceLabels?: Record<string, string>;
  /** Extra choices for a text field (e.g. the cameras the service found); "Type…" is always offered. */
  suggestions?: () => Promise<PickerChoice<string>[]>;
  /** A number field with a slider (this step) beside its value, which still opens the numeric pad. */
  slider?: { step: number };
}

const SWATCHES = ['#7c5cff', '#ff7eb6', '#4cc9f0', '#2ec4b6', '#ffb703', '#fb5607', '#e63946', '#f1faee'];

export class Field implements FormField {
  readonly element: HTMLElement;
  private readonly control: HTMLElement;
  private readonly note: HTMLElement;
  private readonly error: HTMLElement;
  private service: FieldValue = null;
  private draftValue: FieldValue = null;
  private dirty = false;
  /** Called after every user edit (the form enables its Apply button). */
  onEdit: () => void = () => {};

  constructor(
    readonly spec: FieldSpec,
    private readonly options: FieldOptions,
  ) {
    const label = options.label ?? spec.title;
    this.control = el('div', { class: 'field-control' });
    this.note = el('div', { class: 'field-note', attrs: { 'data-note-for': spec.path } });
    this.error = el('div', { class: 'field-error', attrs: { 'data-error-for': spec.path, role: 'alert' } });
    const head = el(
      'div',
      { class: 'field-head' },
      el('span', { class: 'field-label', text: label }),
      spec.description && !options.hideDescription ? el('span', { class: 'field-desc', text: spec.description }) : null,
    );
    this.element = el('div', { class: `field field-${spec.kind}`, attrs: { 'data-path': spec.path } }, head, this.control, this.note, this.error);
    this.render();
  }

  get path(): string {
    return this.spec.path;
  }

  /** The value shown: the draft if edited, else the service's. */
  get value(): FieldValue {
    return this.dirty ? this.draftValue : this.service;
  }

  get isDirty(): boolean {
    return this.dirty;
  }

  get draft(): FieldValue {
    return this.draftValue;
  }

  setService(value: unknown): void {
    this.service = value as FieldValue;
    if (this.dirty && this.draftValue === value) this.dirty = false;
    this.render();
  }

  /** A user edit (also used by composite helpers such as resolution presets). */
  edit(value: FieldValue): void {
    this.draftValue = value;
    this.dirty = value !== this.service;
    this.setError(null);
    this.render();
    this.onEdit();
  }

  revert(): void {
    this.dirty = false;
    this.setError(null);
    this.render();
  }

  setError(message: string | null): void {
    this.error.textContent = message ?? '';
    this.element.classList.toggle('has-error', !!message);
  }

  showIssue(_path: string, message: string): void {
    this.setError(message);
  }

  clearErrors(): void {
    this.setError(null);
  }

  private describe(v: FieldValue): string {
    if (v === null) return this.spec.nullable ? 'System default' : '—';
    if (typeof v === 'boolean') return v ? 'On' : 'Off';
    const label = this.options.choiceLabels?.[String(v)];
    if (label) return label;
    return this.spec.unit && typeof v === 'number' ? `${v} ${this.spec.unit}` : String(v);
  }

  private render(): void {
    this.showDirty();
    this.control.replaceChildren(...this.widget(this.value));
  }

  private showDirty(): void {
    this.element.classList.toggle('dirty', this.dirty);
    this.note.textContent = this.dirty ? `Saved: ${this.describe(this.service)}` : '';
  }

  /** A range input and the value (tap: numeric pad). Dragging edits in place: a re-render would end the drag. */
  private slider(v: FieldValue, step: number): HTMLElement[] {
    const { spec } = this;
    const value = button(this.describe(v), () => void this.editNumber(), 'value-button', { 'data-field': spec.path });
    const range = el('input', {
      class: 'slider',
      attrs: { type: 'range', min: String(spec.min ?? 0), max: String(spec.max ?? 1), step: String(step), 'data-slider': spec.path, 'aria-label': this.options.label ?? spec.title },
    });
    range.value = String(typeof v === 'number' ? v : (spec.min ?? 0));
    range.addEventListener('input', () => {
      const n = Number(range.value);
      this.draftValue = n;
      this.dirty = n !== this.service;
      this.setError(null);
      this.showDirty();
      value.textContent = this.describe(n);
      this.onEdit();
    });
    return [range, value];
  }

  private widget(v: FieldValue): HTMLElement[] {
    const { spec } = this;
    const testId = { 'data-field': spec.path };
    switch (spec.kind) {
      case 'boolean': {
        const on = v === true;
        const sw = button('', () => this.edit(!on), `switch${on ? ' on' : ''}`, { role: 'switch', 'aria-checked': String(on), 'aria-label': this.options.label ?? spec.title, ...testId });
        sw.append(el('span', { class: 'switch-knob' }), el('span', { class: 'switch-text', text: on ? 'On' : 'Off' }));
        return [sw];
      }
      case 'integer':
      case 'number':
        if (this.options.slider) return this.slider(v, this.options.slider.step);
        return [
          button(this.describe(v), () => void this.editNumber(), 'value-button', testId),
        ];
      case 'choice': {
        const choices = spec.choices ?? [];
        if (choices.length <= 4) {
          const group = el('div', { class: 'segmented', attrs: { role: 'radiogroup', ...testId } });
          for (const c of choices) {
            const selected = c === v;
            group.append(
              button(this.options.choiceLabels?.[String(c)] ?? String(c), () => this.edit(c), `segment${selected ? ' selected' : ''}`, {
                role: 'radio',
                'aria-checked': String(selected),
                'data-value': String(c),
              }),
            );
          }
          return [group];
        }
        return [button(this.describe(v), () => void this.pickChoice(), 'value-button', testId)];
      }
      case 'colour': {
        const row = el('div', { class: 'swatches', attrs: testId });
        const colours = SWATCHES.includes(String(v)) || typeof v !== 'string' ? SWATCHES : [v, ...SWATCHES.slice(0, -1)];
        for (const c of colours) {
          const b = button('', () => this.edit(c), `swatch${c === v ? ' selected' : ''}`, { 'aria-label': c, 'data-value': c });
          b.style.background = c;
          row.append(b);
        }
        row.append(button(typeof v === 'string' ? v : 'Hex…', () => void this.editText(), 'value-button small', { 'aria-label': 'Type a colour' }));
        return [row];
      }
      case 'text':
        return [
          button(this.describe(v), () => void (this.options.suggestions ? this.pickText() : this.editText()), 'value-button text', testId),
        ];
    }
  }

  private async editNumber(): Promise<void> {
    const v = this.value;
    const answer = await openNumpad({
      title: this.options.label ?? this.spec.title,
      value: typeof v === 'number' ? v : null,
      integer: this.spec.kind === 'integer',
      min: this.spec.min,
      max: this.spec.max,
      unit: this.spec.unit,
      allowNull: this.spec.nullable,
    });
    if (answer !== undefined) this.edit(answer);
  }

  private async editText(): Promise<void> {
    const v = this.value;
    const answer = await openKeyboard({
      title: this.options.label ?? this.spec.title,
      value: typeof v === 'string' ? v : '',
      maxLength: this.spec.maxLength,
      hint: this.spec.description,
    });
    if (answer !== undefined) this.edit(answer);
  }

  private async pickChoice(): Promise<void> {
    const choices = (this.spec.choices ?? []).map((c) => ({ value: c, label: this.options.choiceLabels?.[String(c)] ?? String(c) }));
    const answer = await openPicker(this.options.label ?? this.spec.title, choices, this.value as string | number);
    if (answer !== undefined) this.edit(answer);
  }

  private async pickText(): Promise<void> {
    const TYPE = '\u0000type';
    let found: PickerChoice<string>[] = [];
    try {
      found = (await this.options.suggestions?.()) ?? [];
    } catch {
      found = []; // no list: typing is still offered
    }
    const answer = await openPicker(this.options.label ?? this.spec.title, [...found, { value: TYPE, label: 'Type…', detail: 'Enter it with the keyboard' }], this.value as string);
    if (answer === TYPE) await this.editText();
    else if (answer !== undefined) this.edit(answer);
  }
}
