#!/usr/bin/env node
// Validates a JSON document against a JSON Schema (draft 2020-12 or
// draft-07, told from the schema's "$schema"), with the standard formats
// (date, date-time, uuid, …) checked.
//
//   node tests/schema/validate.mjs SCHEMA INSTANCE [--expect valid|invalid]
//
// Exit status 0 when the document is as expected (valid by default), 1 when
// not (the errors are printed), 2 on bad usage or unreadable files. Used for
// every published schema (docs/schema/*.schema.json): the server tests give
// it documents the server wrote.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Ajv2020 = require("ajv/dist/2020").default;
const Ajv07 = require("ajv").default;
const addFormats = require("ajv-formats").default;

function usage(message) {
  console.error(`${message}\nusage: validate.mjs SCHEMA INSTANCE [--expect valid|invalid]`);
  process.exit(2);
}

const args = process.argv.slice(2);
let expect = "valid";
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--expect") {
    expect = args[++i];
  } else if (args[i].startsWith("--expect=")) {
    expect = args[i].slice("--expect=".length);
  } else {
    files.push(args[i]);
  }
}
if (files.length !== 2) usage("give one schema and one instance");
if (expect !== "valid" && expect !== "invalid") usage(`--expect must be valid or invalid, not ${expect}`);

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    console.error(`${path}: ${error.message}`);
    process.exit(2);
  }
}

const [schemaPath, instancePath] = files;
const schema = readJson(schemaPath);
const instance = readJson(instancePath);
const draft2020 = String(schema.$schema ?? "").includes("2020-12");
const ajv = new (draft2020 ? Ajv2020 : Ajv07)({ allErrors: true, strict: true });
addFormats(ajv);
let validate;
try {
  validate = ajv.compile(schema);
} catch (error) {
  console.error(`${schemaPath}: not a usable schema: ${error.message}`);
  process.exit(2);
}
const valid = validate(instance);
if (valid && expect === "valid") {
  console.log(`${instancePath}: valid against ${schemaPath}`);
  process.exit(0);
}
if (!valid && expect === "invalid") {
  console.log(`${instancePath}: invalid against ${schemaPath}, as expected`);
  for (const e of validate.errors) console.log(`  ${e.instancePath || "/"} ${e.message}`);
  process.exit(0);
}
if (valid) {
  console.error(`${instancePath}: valid against ${schemaPath}, but expected invalid`);
} else {
  console.error(`${instancePath}: invalid against ${schemaPath}:`);
  for (const e of validate.errors) {
    console.error(`  ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
  }
}
process.exit(1);
