// The settings each demo accepts from its embed page's URL (embed/v1/<demo>/?name=value), as one table:
// embed.js checks every parameter against it before anything reaches the demo, and ignores the rest. A demo that
// is not listed accepts none. The same names are the demo's data-* attributes in a lesson (docs/authoring.md).
//
//   choice(...values)        one of the listed words
//   integer(min, max)        a whole number in [min, max]
//   number(min, max)         a decimal number in [min, max]
//   text(maxLength)          one line of text, at most maxLength characters, no control characters
//   text(maxLength, {multiline: true})   the same, line breaks and tabs allowed
//
// Ranges follow the demo's own controls; lengths stay inside what rnncore.demos accepts for that argument.

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROL_OR_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const INTEGER = /^[-+]?\d{1,9}$/;
const DECIMAL = /^[-+]?(\d{1,9}(\.\d{0,9})?|\.\d{1,9})$/;

function choice(...values) {
  return {type: "choice", choices: values, maxLength: Math.max(...values.map((v) => v.length))};
}

function integer(min, max) {
  return {type: "integer", min, max, maxLength: 10};
}

function number(min, max) {
  return {type: "number", min, max, maxLength: 20};
}

function text(maxLength, {multiline = false} = {}) {
  return {type: "text", maxLength, multiline};
}

export const SETTINGS = {
  "hidden-state": {cell: choice("rnn", "lstm", "gru"), sequence: text(400)},
  "gate-inspector": {cell: choice("lstm", "gru"), sequence: text(200)},
  "vanishing-gradient": {length: integer(5, 200), scale: number(0.1, 3), "gate-bias": number(-2, 5)},
  "training-race": {task: choice("adding", "copy"), delay: integer(2, 80)},
  "bidirectional": {cell: choice("rnn", "lstm", "gru"), sentence: text(300)},
  "text-generation": {prompt: text(200), temperature: number(0, 2)},
  "sentiment": {text: text(400), cell: choice("lstm", "gru")},
  "translation": {text: text(60)},
  "forecasting": {horizon: integer(1, 24)},
  // code only fills the editor: the playground runs code from a URL when the reader presses Run, never before
  "playground": {budget: integer(1, 30), code: text(20000, {multiline: true})},
};

/** The declaration of `demo`'s settings (an empty one for a demo that accepts none). */
export function settingsOf(demo) {
  return Object.hasOwn(SETTINGS, demo) ? SETTINGS[demo] : {};
}

/** `raw` (a URL parameter's text) as the value `spec` allows, or null when it does not fit. The value is the
 *  canonical text the demo reads back from its data-* attribute. */
export function checkSetting(spec, raw) {
  if (typeof raw !== "string" || raw.length > spec.maxLength) return null;
  switch (spec.type) {
    case "choice":
      return spec.choices.includes(raw) ? raw : null;
    case "integer": {
      if (!INTEGER.test(raw)) return null;
      const value = Number(raw);
      return value >= spec.min && value <= spec.max ? String(value) : null;
    }
    case "number": {
      if (!DECIMAL.test(raw)) return null;
      const value = Number(raw);
      return Number.isFinite(value) && value >= spec.min && value <= spec.max ? String(value) : null;
    }
    case "text":
      return (spec.multiline ? CONTROL : CONTROL_OR_LINE).test(raw) ? null : raw;
    default:
      return null;
  }
}
