/**
 * Flask's `DefaultJSONProvider` rendering a response (`jsonify`), in the lesson's
 * debug-mode form: `json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=True) + "\n"`,
 * where its `default` turns a datetime into an HTTP date, a UUID into its dashed
 * string and Markup into its text, and the json module writes a tuple as a list.
 */
import { dumpPythonJson, type Replacer } from './python-json.js';
import { Markup, Tuple, Uuid, type PyValue } from './python-types.js';
import { httpDate } from './tagged-json.js';

const providerReplacer: Replacer = (value) => {
  if (value instanceof Tuple) return value.items;
  if (value instanceof Uuid) return value.toString();
  if (value instanceof Date) return httpDate(value);
  if (value instanceof Markup) return value.value;
  return undefined;
};

/**
 * The body Flask's `jsonify` gives for `value`.
 *
 * @throws TypeError for bytes, which Flask cannot render either.
 */
export function renderFlaskJson(value: PyValue): string {
  return dumpPythonJson(value, { indent: 2, replacer: providerReplacer }) + '\n';
}
