// Test driver (ours, not the document's): runs one of the document's verifier snippets on a delivery.
// argv: <snippet file> <function name>; stdin: {"body_b64", "signature", "timestamp", "secret"}.
// Prints "ACCEPTED <result>" or "REJECTED <error message>".
const fs = require('fs');
const vm = require('vm');

const [snippetPath, functionName] = process.argv.slice(2);
const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const context = vm.createContext({ require, Buffer, console });
vm.runInContext(fs.readFileSync(snippetPath, 'utf8'), context, { filename: snippetPath });

// As the document's Express handler does: the raw body buffer, toString()'d.
const rawBody = Buffer.from(input.body_b64, 'base64').toString();
try {
  const result = context[functionName](rawBody, input.signature, input.timestamp, input.secret);
  console.log('ACCEPTED ' + JSON.stringify(result));
} catch (err) {
  console.log('REJECTED ' + err.message);
}
