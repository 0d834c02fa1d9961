// Package vocab reads and writes the ActivityStreams 2.0 documents that ActivityPub servers exchange.
//
// It works on the compacted JSON that real servers send, without JSON-LD expansion: properties are
// matched by their usual short names, IRIs are compared as strings, and the many shapes a property
// arrives in (a string, an object, an array of either, a number written as a string, a language map
// instead of a plain string) are folded into one Go type. The same Object type is used to produce
// documents: Marshal writes compact JSON that omits empty fields.
//
// Parse refuses only documents that cannot be used: not a JSON object, no type, a malformed id, or
// a document beyond the limits below (which keep a hostile inbox POST from costing much memory).
// Values of an unexpected shape are ignored rather than failing the document.
package vocab
