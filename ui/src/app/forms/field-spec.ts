/**
 * What a form field needs to know about a setting, read from the settings JSON Schema the service
 * publishes (GET /api/settings/schema, written by zod from the one settings schema): its kind, label,
 * description, unit, limits, choices and whether it may be null. The UI never restates a limit.
 */
import type { JsonSchemaNode } from '../../api/http';

export type FieldKind = 'boolean' | 'integer' | 'number' | 'choice' | 'text' | 'colour';

export interface FieldSpec {
  /** Dotted settings path, e.g. "outputs.vmc.port" (the same form as the service's issue paths). */
  path: string;
  kind: FieldKind;
  title: string;
  description?: string;
  unit?: string;
  min?: number;
  max?: number;
  maxLength?: number;
  choices?: (string | number)[];
  nullable: boolean;
}

/** The schema node at a dotted path, or undefined if the schema has no such field. */
export function schemaAt(root: JsonSchemaNode, path: string): JsonSchemaNode | undefined {
  let node: JsonSchemaNode | undefined = root;
  for (const key of path.split('.')) {
    node = node?.properties?.[key];
    if (!node) return undefined;
  }
  return node;
}

function typesOf(node: JsonSchemaNode): string[] {
  return node.type === undefined ? [] : Array.isArray(node.type) ? node.type : [node.type];
}

const COLOUR_PATTERN = '^#[0-9a-fA-F]{6}$';

/** Reads a field's spec; throws if the path is not in the schema (a UI bug, caught by the tests). */
export function fieldSpec(root: JsonSchemaNode, path: string): FieldSpec {
  const node = schemaAt(root, path);
  if (!node) throw new Error(`settings schema has no field ${path}`);
  // A nullable field is anyOf [the field, { type: null }]; the first branch describes it.
  const branches = node.anyOf ?? node.oneOf;
  const nullable = !!branches?.some((b) => typesOf(b).includes('null'));
  const body: JsonSchemaNode = branches?.find((b) => !typesOf(b).includes('null')) ?? node;
  const types = typesOf(body);
  const lastKey = path.split('.').pop() ?? path;
  const spec: FieldSpec = {
    path,
    kind: 'text',
    title: node.title ?? body.title ?? lastKey,
    description: node.description ?? body.description,
    unit: node.unit ?? body.unit,
    nullable,
  };
  if (body.enum) {
    spec.kind = 'choice';
    spec.choices = body.enum.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number');
  } else if (types.includes('boolean')) {
    spec.kind = 'boolean';
  } else if (types.includes('integer') || types.includes('number')) {
    spec.kind = types.includes('integer') ? 'integer' : 'number';
    spec.min = body.minimum ?? body.exclusiveMinimum;
    spec.max = body.maximum ?? body.exclusiveMaximum;
  } else {
    spec.kind = body.pattern === COLOUR_PATTERN ? 'colour' : 'text';
    spec.maxLength = body.maxLength;
  }
  return spec;
}

/** The value at a dotted path of a settings object. */
export function valueAt(settings: unknown, path: string): unknown {
  let v: unknown = settings;
  for (const key of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}
