import { describe, expect, it } from "vitest";
import { readStreamRequest } from "../../src/node/stream-request.js";

const head = (lines: string[]) => Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
const basic = ["GET /topics/news?token=abc HTTP/1.1", "Host: 127.0.0.1:8080", "Accept: text/event-stream", "Last-Event-ID: 1-5"];

describe("readStreamRequest", () => {
  it("reads a whole single-topic stream request: its URL and headers as sent", () => {
    expect(readStreamRequest(head(basic))).toEqual({
      url: "http://127.0.0.1:8080/topics/news?token=abc",
      headers: [
        ["host", "127.0.0.1:8080"],
        ["accept", "text/event-stream"],
        ["last-event-id", "1-5"],
      ],
    });
  });

  it("trims optional whitespace around values", () => {
    expect(readStreamRequest(head(["GET /topics/a HTTP/1.1", "Host:  h \t", "Authorization:Bearer x"]))?.headers).toEqual([
      ["host", "h"],
      ["authorization", "Bearer x"],
    ]);
  });

  // Each of these is legal HTTP (or an error node:http must answer), so it
  // must go to node:http, never be half-understood here.
  const passedOn: Record<string, Buffer> = {
    "an incomplete head (split over packets)": Buffer.from("GET /topics/a HTTP/1.1\r\nHost: h\r\n", "latin1"),
    "bytes after the head (a body or a pipelined request)": Buffer.concat([head(["GET /topics/a HTTP/1.1", "Host: h"]), Buffer.from("GET /")]),
    "another method": head(["POST /topics/a HTTP/1.1", "Host: h"]),
    "HTTP/1.0": head(["GET /topics/a HTTP/1.0", "Host: h"]),
    "the stats route": head(["GET /topics/a/stats HTTP/1.1", "Host: h"]),
    "the multiplexed route": head(["GET /stream?topic=a HTTP/1.1", "Host: h"]),
    "a dot segment": head(["GET /topics/.. HTTP/1.1", "Host: h"]),
    "an encoded dot segment": head(["GET /topics/%2e%2e HTTP/1.1", "Host: h"]),
    "a backslash": head(["GET /topics/a\\stats HTTP/1.1", "Host: h"]),
    "an absolute target": head(["GET http://h/topics/a HTTP/1.1", "Host: h"]),
    "no Host": head(["GET /topics/a HTTP/1.1", "Accept: */*"]),
    "a Host that is not a name and port": head(["GET /topics/a HTTP/1.1", "Host: h/topics/b?"]),
    "a Host with an IPv4 address out of range": head(["GET /topics/a HTTP/1.1", "Host: 1.2.3.256"]),
    "a Host with a port out of range": head(["GET /topics/a HTTP/1.1", "Host: a:99999"]),
    "a Host with a malformed IPv6 address": head(["GET /topics/a HTTP/1.1", "Host: [:::]"]),
    "a Host that is a number too large for an address": head(["GET /topics/a HTTP/1.1", "Host: 99999999999"]),
    "a repeated header": head(["GET /topics/a HTTP/1.1", "Host: h", "Authorization: Bearer a", "Authorization: Bearer b"]),
    "a folded header": head(["GET /topics/a HTTP/1.1", "Host: h", "Authorization: Bearer", " a"]),
    "a header name with a space": head(["GET /topics/a HTTP/1.1", "Host: h", "Bad Name: x"]),
    "a control byte in a value": head(["GET /topics/a HTTP/1.1", "Host: h", "X: a\x01b"]),
    "a byte above ASCII in a value": head(["GET /topics/a HTTP/1.1", "Host: h", "X: caf\xe9"]),
    "a Content-Length": head(["GET /topics/a HTTP/1.1", "Host: h", "Content-Length: 0"]),
    "a Transfer-Encoding": head(["GET /topics/a HTTP/1.1", "Host: h", "Transfer-Encoding: chunked"]),
    "an Upgrade": head(["GET /topics/a HTTP/1.1", "Host: h", "Connection: Upgrade", "Upgrade: websocket"]),
    "an Expect": head(["GET /topics/a HTTP/1.1", "Host: h", "Expect: 100-continue"]),
    "a head over 16 KiB": head(["GET /topics/a HTTP/1.1", "Host: h", `X: ${"a".repeat(16 * 1024)}`]),
  };
  for (const [what, bytes] of Object.entries(passedOn)) {
    it(`passes on ${what}`, () => {
      expect(readStreamRequest(bytes)).toBeUndefined();
    });
  }
});
