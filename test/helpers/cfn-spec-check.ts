import { readFileSync } from 'node:fs';

/**
 * A schema check of a CloudFormation template against the resource specification's format (the
 * trimmed copy in test/fixtures): known sections, known resource types, every property known and of
 * its declared type, required properties present, and every reference (Ref, Fn::GetAtt,
 * Fn::FindInMap, the `${…}` variables of Fn::Sub) resolvable in the template. Returns the problems
 * found (empty = valid). It stands in for cfn-lint, which this Debian release does not package.
 */

interface PropSpec {
  PrimitiveType?: string;
  Type?: string;
  ItemType?: string;
  PrimitiveItemType?: string;
  Required?: boolean;
}
interface TypeSpec {
  Properties: Record<string, PropSpec>;
  Attributes?: Record<string, unknown>;
}
interface Spec {
  PropertyTypes: Record<string, TypeSpec>;
  ResourceTypes: Record<string, TypeSpec>;
}

export const CFN_SPEC: Spec = JSON.parse(
  readFileSync(new URL('../fixtures/cloudformation-resource-spec-trimmed.json', import.meta.url), 'utf8'),
) as Spec;

const SECTIONS = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
]);
const PSEUDO = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);
const PARAM_TYPES = new Set(['String', 'Number', 'List<Number>', 'CommaDelimitedList']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function checkTemplate(template: unknown): string[] {
  const errors: string[] = [];
  if (!isObj(template)) return ['template is not an object'];
  for (const key of Object.keys(template)) if (!SECTIONS.has(key)) errors.push(`unknown section ${key}`);
  if (template.AWSTemplateFormatVersion !== '2010-09-09') errors.push('AWSTemplateFormatVersion');
  const params = isObj(template.Parameters) ? template.Parameters : {};
  const mappings = isObj(template.Mappings) ? template.Mappings : {};
  const resources = isObj(template.Resources) ? template.Resources : {};
  if (Object.keys(resources).length === 0) errors.push('no Resources');
  for (const [name, p] of Object.entries(params)) {
    if (!isObj(p) || !PARAM_TYPES.has(String(p.Type))) errors.push(`parameter ${name}: bad Type`);
    else if (
      Array.isArray(p.AllowedValues) &&
      p.Default !== undefined &&
      !p.AllowedValues.includes(p.Default)
    ) {
      errors.push(`parameter ${name}: Default not allowed`);
    }
  }
  for (const [name, m] of Object.entries(mappings)) {
    if (!/^[A-Za-z0-9]+$/.test(name)) errors.push(`mapping ${name}: name not alphanumeric`);
    if (!isObj(m) || Object.keys(m).length === 0) errors.push(`mapping ${name}: empty`);
    else
      for (const [k, v] of Object.entries(m)) {
        if (!/^[A-Za-z0-9._-]+$/.test(k)) errors.push(`mapping ${name}.${k}: bad key`);
        if (!isObj(v) || Object.values(v).some((x) => typeof x !== 'string' && !Array.isArray(x))) {
          errors.push(`mapping ${name}.${k}: values must be strings or lists`);
        }
      }
  }

  const refOk = (target: string) => target in params || target in resources || PSEUDO.has(target);

  /** Validates intrinsic functions anywhere in a value; returns true if `v` is one. */
  function intrinsic(v: unknown, where: string): boolean {
    if (!isObj(v) || Object.keys(v).length !== 1) return false;
    const [fn, arg] = Object.entries(v)[0]!;
    switch (fn) {
      case 'Ref':
        if (typeof arg !== 'string' || !refOk(arg)) errors.push(`${where}: Ref to unknown ${String(arg)}`);
        return true;
      case 'Fn::GetAtt': {
        const [res, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
        const r = resources[String(res)];
        const spec = isObj(r) ? CFN_SPEC.ResourceTypes[String(r.Type)] : undefined;
        if (spec?.Attributes?.[String(attr)] === undefined)
          errors.push(`${where}: GetAtt ${res}.${attr} unknown`);
        return true;
      }
      case 'Fn::FindInMap': {
        if (!Array.isArray(arg) || arg.length !== 3) errors.push(`${where}: FindInMap takes 3 arguments`);
        else {
          if (typeof arg[0] !== 'string' || !(arg[0] in mappings))
            errors.push(`${where}: FindInMap unknown mapping`);
          for (const [i, a] of arg.entries()) if (typeof a !== 'string') walk(a, `${where}.FindInMap[${i}]`);
        }
        return true;
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1] ?? {}] : [arg, {}];
        if (typeof text !== 'string' || !isObj(vars)) {
          errors.push(`${where}: Fn::Sub takes a string (and a variable map)`);
          return true;
        }
        for (const m of text.matchAll(/\$\{([^}!]+)\}/g)) {
          const name = m[1]!;
          const base = name.split('.')[0]!;
          if (!(name in vars) && !refOk(name) && !(base in resources)) {
            errors.push(`${where}: Fn::Sub variable \${${name}} unresolvable`);
          }
        }
        for (const [k, val] of Object.entries(vars)) walk(val, `${where}.Sub.${k}`);
        return true;
      }
      case 'Fn::Join':
      case 'Fn::Select':
      case 'Fn::Split':
      case 'Fn::If':
      case 'Fn::Base64':
      case 'Fn::GetAZs':
        walk(arg, `${where}.${fn}`);
        return true;
      default:
        if (fn.startsWith('Fn::')) {
          errors.push(`${where}: unknown function ${fn}`);
          return true;
        }
        return false;
    }
  }

  function walk(v: unknown, where: string): void {
    if (intrinsic(v, where)) return;
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, `${where}[${i}]`);
    } else if (isObj(v)) for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
  }

  function checkPrimitive(type: string, v: unknown, where: string): void {
    if (intrinsic(v, where)) return;
    const ok =
      type === 'Json'
        ? isObj(v) || typeof v === 'string'
        : type === 'String'
          ? typeof v === 'string'
          : type === 'Integer' || type === 'Long' || type === 'Double'
            ? (typeof v === 'number' && (type !== 'Integer' || Number.isInteger(v))) ||
              (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v))
            : type === 'Boolean'
              ? typeof v === 'boolean' || v === 'true' || v === 'false'
              : false;
    if (!ok) errors.push(`${where}: expected ${type}`);
    if (type === 'Json') walk(v, where);
  }

  function checkProps(resourceType: string, spec: TypeSpec, props: unknown, where: string): void {
    if (!isObj(props)) {
      errors.push(`${where}: properties must be an object`);
      return;
    }
    for (const [name, p] of Object.entries(spec.Properties)) {
      if (p.Required === true && !(name in props)) errors.push(`${where}.${name}: required`);
    }
    for (const [name, value] of Object.entries(props)) {
      const p = spec.Properties[name];
      if (p === undefined) {
        errors.push(`${where}.${name}: unknown property`);
        continue;
      }
      checkValue(resourceType, p, value, `${where}.${name}`);
    }
  }

  function propertyType(resourceType: string, name: string): TypeSpec | undefined {
    return CFN_SPEC.PropertyTypes[`${resourceType}.${name}`] ?? CFN_SPEC.PropertyTypes[name];
  }

  function checkValue(resourceType: string, p: PropSpec, value: unknown, where: string): void {
    if (p.PrimitiveType !== undefined) {
      checkPrimitive(p.PrimitiveType, value, where);
      return;
    }
    if (p.Type === 'List') {
      if (intrinsic(value, where)) return;
      if (!Array.isArray(value)) {
        errors.push(`${where}: expected a list`);
        return;
      }
      value.forEach((item, i) => {
        if (p.PrimitiveItemType !== undefined) checkPrimitive(p.PrimitiveItemType, item, `${where}[${i}]`);
        else {
          const t = propertyType(resourceType, String(p.ItemType));
          if (t === undefined) errors.push(`${where}: unknown item type ${p.ItemType}`);
          else if (!intrinsic(item, `${where}[${i}]`)) checkProps(resourceType, t, item, `${where}[${i}]`);
        }
      });
      return;
    }
    const t = propertyType(resourceType, String(p.Type));
    if (t === undefined) errors.push(`${where}: unknown type ${p.Type}`);
    else if (!intrinsic(value, where)) checkProps(resourceType, t, value, where);
  }

  for (const [name, r] of Object.entries(resources)) {
    if (!/^[A-Za-z0-9]+$/.test(name)) errors.push(`resource ${name}: logical ID not alphanumeric`);
    if (!isObj(r)) {
      errors.push(`resource ${name}: not an object`);
      continue;
    }
    const spec = CFN_SPEC.ResourceTypes[String(r.Type)];
    if (spec === undefined) {
      errors.push(`resource ${name}: unknown type ${String(r.Type)}`);
      continue;
    }
    checkProps(String(r.Type), spec, r.Properties ?? {}, `Resources.${name}.Properties`);
  }
  if (isObj(template.Outputs)) {
    for (const [name, o] of Object.entries(template.Outputs)) {
      if (!isObj(o) || !('Value' in o)) errors.push(`output ${name}: no Value`);
      else walk(o.Value, `Outputs.${name}`);
    }
  }
  return errors;
}
