// Runs calls of one of the explorer's ES modules for tests/test_explorer_node.py.
// argv: the module's path. stdin: JSON [[function, [arguments...]], ...].
// stdout: JSON, one {"value": ...} or {"error": message} per call, in order;
// {"crash": ...} for anything other than the module's ArithmeticError.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const module = await import(pathToFileURL(process.argv[2]).href);
const calls = JSON.parse(readFileSync(0, "utf8"));
const results = calls.map(([name, args]) => {
  try {
    return { value: module[name](...args) };
  } catch (error) {
    if (error && error.name === "ArithmeticError") return { error: error.message };
    return { crash: String(error && error.stack ? error.stack : error) };
  }
});
process.stdout.write(JSON.stringify(results));
