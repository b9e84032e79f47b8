/**
 * A card of fields applied together: one PATCH per "Apply". The service validates the whole change;
 * if it refuses (422), nothing was applied, the user's edits stay in the fields and each refusal is
 * shown next to its field. The values shown when nothing is being edited are always the service's.
 */
import { ApiError, type SettingsPatch, type SettingsPatchValue } from '../../api/http';
import { button, el } from '../dom';
import type { AppContext } from '../context';
import { fieldSpec, valueAt } from './field-spec';
import { Field, type FieldOptions, type FormField } from './fields';
import { isTargetList, TargetListField } from './target-list';

export interface SettingsFormOptions {
  title: string;
  /** A stable id for tests and anchors, e.g. "vmc". */
  id: string;
  fields: FieldOptions[];
  /** Shown in the card's header (e.g. an output's live state badge). */
  badge?: HTMLElement;
  /** Extra content under the fields (helpers that set fields, actions). */
  extra?: HTMLElement[];
}

/** Sets `value` at a dotted path inside a merge patch. */
function putPath(patch: SettingsPatch, path: string, value: SettingsPatchValue): void {
  const keys = path.split('.');
  let node = patch;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) node = next;
    else node = node[key] = {};
  }
  node[keys[keys.length - 1]] = value;
}

export class SettingsForm {
  readonly element: HTMLElement;
  readonly fields = new Map<string, FormField>();
  private readonly status: HTMLElement;
  private readonly applyButton: HTMLButtonElement;
  private readonly revertButton: HTMLButtonElement;
  private busy = false;

  constructor(
    private readonly ctx: AppContext,
    options: SettingsFormOptions,
  ) {
    const body = el('div', { class: 'form-fields' });
    for (const fo of options.fields) {
      const field = isTargetList(ctx.schema, fo.path) ? new TargetListField(ctx.schema, fo.path, fo) : new Field(fieldSpec(ctx.schema, fo.path), fo);
      field.onEdit = () => this.updateButtons();
      this.fields.set(fo.path, field);
      body.append(field.element);
    }
    this.status = el('div', { class: 'form-status', attrs: { role: 'status', 'data-form-status': options.id } });
    this.applyButton = button('Apply', () => void this.apply(), 'btn primary', { 'data-apply': options.id });
    this.revertButton = button('Revert', () => this.revert(), 'btn', { 'data-revert': options.id });
    this.element = el(
      'section',
      { class: 'card', attrs: { 'data-form': options.id } },
      el('header', { class: 'card-head' }, el('h2', { text: options.title }), options.badge ?? null),
      body,
      ...(options.extra ?? []),
      el('footer', { class: 'card-foot' }, this.status, el('div', { class: 'card-actions' }, this.revertButton, this.applyButton)),
    );
    ctx.settings.subscribe((s) => {
      for (const [path, field] of this.fields) field.setService(valueAt(s, path));
      this.updateButtons();
    });
  }

  field(path: string): Field {
    const f = this.fields.get(path);
    if (!(f instanceof Field)) throw new Error(`form has no single-value field ${path}`);
    return f;
  }

  /** The field a refusal at `path` belongs to: the one with that path, or the list it lies in. */
  private fieldFor(path: string): FormField | undefined {
    return this.fields.get(path) ?? [...this.fields.values()].find((f) => path.startsWith(`${f.path}.`));
  }

  private dirtyFields(): FormField[] {
    return [...this.fields.values()].filter((f) => f.isDirty);
  }

  private updateButtons(): void {
    const dirty = this.dirtyFields().length > 0;
    this.applyButton.disabled = !dirty || this.busy;
    this.revertButton.disabled = !dirty || this.busy;
    this.element.classList.toggle('dirty', dirty);
  }

  private showStatus(text: string, kind: 'ok' | 'error' | 'info'): void {
    this.status.textContent = text;
    this.status.className = `form-status ${kind}`;
  }

  revert(): void {
    for (const f of this.fields.values()) f.revert();
    this.showStatus('', 'info');
    this.updateButtons();
  }

  async apply(): Promise<void> {
    const dirty = this.dirtyFields();
    if (dirty.length === 0 || this.busy) return;
    const patch: SettingsPatch = {};
    for (const f of dirty) putPath(patch, f.path, f.draft);
    for (const f of this.fields.values()) f.clearErrors();
    this.busy = true;
    this.updateButtons();
    this.showStatus('Applying…', 'info');
    try {
      const result = await this.ctx.api.patchSettings(patch);
      if (result.ok) {
        for (const f of dirty) f.revert(); // drafts are now the service's values
        this.ctx.settings.set(result.settings);
        this.showStatus('Applied', 'ok');
      } else {
        const unplaced: string[] = [];
        for (const issue of result.issues) {
          const field = this.fieldFor(issue.path);
          if (field) field.showIssue(issue.path, issue.message);
          else unplaced.push(issue.path ? `${issue.path}: ${issue.message}` : issue.message);
        }
        this.showStatus(`Not applied. ${unplaced.length ? unplaced.join('; ') : 'Fix the marked fields.'}`, 'error');
      }
    } catch (err) {
      const message = err instanceof ApiError ? err.message : 'the service did not answer';
      this.showStatus(`Not applied: ${message}`, 'error');
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) this.ctx.requestPairing();
    } finally {
      this.busy = false;
      this.updateButtons();
    }
  }
}
