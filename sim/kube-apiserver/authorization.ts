// Per-user authorization (scenario key `users`): every request, and every SelfSubjectAccessReview about it, is decided
// by the same rules, as in kube-apiserver where one authorizer chain answers both:
//   - requests: k8s.io/apiserver pkg/endpoints/filters/authorization.go (WithAuthorization: authorizer.Authorize on the
//     request's attributes, else responsewriters.Forbidden with the message of
//     pkg/endpoints/handlers/responsewriters/errors.go forbiddenMessage:
//     `User "<u>" cannot <verb> resource "<res>[/<sub>]" in API group "<g>" in the namespace "<ns>"` / `at the cluster scope`);
//   - reviews: kubernetes pkg/registry/authorization/selfsubjectaccessreview/rest.go (the review's resourceAttributes,
//     the requesting user, the same authorizer; status {allowed, denied, reason}).
// The sim's users are cluster-admins (the ClusterRole cluster-admin through the group system:cluster-admins,
// openshift/origin bootstrap policy) except for what a scenario `deny`s them. RBAC grants only; a `deny` here models a
// user whose roles do not grant that verb (RBAC answers NoOpinion: `allowed: false`, no `denied`, reason empty).
// Release: Kubernetes 1.19–1.31 (OpenShift 4.6–4.18) all behave so.
export interface ResourceAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface DenyRule {
  verb: string;
  group?: string;
  resource: string;
  subresource?: string;
  namespace?: string;
}

export interface SimUser {
  name: string;
  deny: DenyRule[];
}

/** `false` for a request the user's roles do not grant. Users the scenario does not name are allowed everything. */
export function authorize(users: SimUser[], user: string, a: ResourceAttributes): boolean {
  const u = users.find((x) => x.name === user);
  if (!u) return true;
  return !u.deny.some(
    (d) =>
      (d.verb === '*' || d.verb === a.verb) &&
      (d.group ?? '') === (a.group ?? '') &&
      (d.resource === '*' || d.resource === a.resource) &&
      (d.subresource ?? '') === (a.subresource ?? '') &&
      (d.namespace === undefined || d.namespace === a.namespace),
  );
}

/** The reason RBAC gives for an allowed request of a cluster-admin (rbac authorizer's allowedBy, Kubernetes 1.2x). */
export const ALLOWED_REASON = 'RBAC: allowed by ClusterRoleBinding "cluster-admins" of ClusterRole "cluster-admin" to Group "system:cluster-admins"';

/** responsewriters forbiddenMessage. */
export function forbiddenMessage(user: string, a: ResourceAttributes): string {
  const res = `${a.resource}${a.subresource ? `/${a.subresource}` : ''}`;
  const where = a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
  return `User "${user}" cannot ${a.verb} resource "${res}" in API group "${a.group}"${where}`;
}
