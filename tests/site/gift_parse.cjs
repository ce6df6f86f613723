// Parse GIFT files with gift-pegjs (the parser GIFT editors and importers use) and print what it read, as JSON:
//   node tests/site/gift_parse.cjs FILE...  ->  {"FILE": [question, ...] | {"error": message, "line": n}}
const fs = require("fs");
const {parse} = require("gift-pegjs");

const out = {};
for (const file of process.argv.slice(2)) {
  try {
    out[file] = parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    out[file] = {error: String(error.message || error), line: error.location ? error.location.start.line : null};
  }
}
process.stdout.write(JSON.stringify(out));
