// metav1.Status bodies and the error type the API handlers throw.
import type { ResourceType } from './resources.ts';

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string; causes?: unknown[] },
  ) {
    super(message);
  }
}

export function statusBody(code: number, reason: string, message: string, details?: ApiError['details']): object {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

export const notFound = (type: ResourceType, name: string) =>
  new ApiError(404, 'NotFound', `${type.resource}${type.group ? '.' + type.group : ''} "${name}" not found`, {
    name,
    group: type.group || undefined,
    kind: type.resource,
  });

export const badRequest = (message: string) => new ApiError(400, 'BadRequest', message);
