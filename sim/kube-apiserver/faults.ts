// Faulty answers of a kube-apiserver under stress, with the shapes the real server sends, for the simulator's chaos
// (sim/world/chaos.ts decides when). Sources:
// - 429: kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/server/filters/maxinflight.go (release-1.27)
//   `tooManyRequests`: header `Retry-After: 1`, plain-text body "Too many requests, please try again later."
//   (http.Error, so text/plain). client-go honours Retry-After on 429 (rest/with_retry.go checkWait, up to 10 times),
//   so kubectl itself retries before it reports an error.
// - 500: apimachinery pkg/api/errors/errors.go NewInternalError: Status{code 500, reason InternalError,
//   message "Internal error occurred: <err>", details.causes[{message: <err>}]}; the storage layer passes etcd's
//   errors through, e.g. "etcdserver: leader changed" (etcd server/etcdserver/errors.go ErrLeaderChanged).
// - 503: apimachinery errors.go NewServiceUnavailable: Status{code 503, reason ServiceUnavailable}; kube-apiserver
//   answers it while it is not ready or terminating (staging/src/k8s.io/apiserver/pkg/server/filters/
//   with_retry_after.go: `Retry-After` and message "The apiserver is shutting down, please try again later.").
// - a hang: the request is held until the server's own timeout filter answers 504 (staging/src/k8s.io/apiserver/
//   pkg/server/filters/timeout.go, default --request-timeout 1m0s): Status{code 504, reason Timeout, message
//   "Timeout: request did not complete within requested timeout - context deadline exceeded"}.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { statusBody } from './status.ts';

export type FaultAnswer = { kind: 'error'; code: 429 | 500 | 503 } | { kind: 'hang'; seconds: number };

/** What the simulator's chaos decides for each request; implemented by sim/world/chaos.ts. */
export interface ApiChaos {
  /** null = serve normally */
  onRequest(req: { method: string; path: string; verb: string; user: string }): FaultAnswer | null;
  /** an exec session starts: cut its stream after this many output bytes (null = do not cut) */
  onExec(req: { pod: string; container: string; command: string[] }): { cutAfterBytes: number } | null;
  /** every answered resource request (for the audit trail and the outage triggers) */
  onAnswered(req: { method: string; path: string; verb: string; user: string; code: number }): void;
}

const json = (res: ServerResponse, code: number, body: object, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), 'Cache-Control': 'no-cache, private', ...headers });
  res.end(text);
};

/** Writes the faulty answer; a hang answers 504 after `seconds` unless the client went away. */
export function answerFault(req: IncomingMessage, res: ServerResponse, a: FaultAnswer): void {
  if (a.kind === 'hang') {
    const timer = setTimeout(() => {
      if (!res.writableEnded && !res.destroyed) {
        json(res, 504, statusBody(504, 'Timeout', 'Timeout: request did not complete within requested timeout - context deadline exceeded'));
      }
    }, a.seconds * 1000);
    timer.unref();
    req.socket.once('close', () => clearTimeout(timer));
    return;
  }
  if (a.code === 429) {
    const text = 'Too many requests, please try again later.\n';
    res.writeHead(429, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Retry-After': '1', 'Content-Length': String(Buffer.byteLength(text)) });
    res.end(text);
    return;
  }
  if (a.code === 500) {
    json(res, 500, statusBody(500, 'InternalError', 'Internal error occurred: etcdserver: leader changed', { causes: [{ message: 'etcdserver: leader changed' }] }));
    return;
  }
  json(res, 503, statusBody(503, 'ServiceUnavailable', 'The apiserver is shutting down, please try again later.'), { 'Retry-After': '1' });
}
