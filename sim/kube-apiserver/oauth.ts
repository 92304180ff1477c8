// OpenShift OAuth access tokens, as kube-apiserver authenticates a bearer token on OpenShift (through the webhook to
// openshift/oauth-apiserver) and as oauth-apiserver validates the OAuthAccessToken objects `oc login` leaves behind.
// Sources (github:openshift/oauth-apiserver, branch release-4.14; the same from release-4.10 to master):
//  - pkg/tokenvalidation/tokenauthenticator.go AuthenticateToken: only `sha256~<secret>` tokens are looked up; the
//    OAuthAccessToken is named `sha256~` + base64url-without-padding(SHA-256(<secret>)), so the cluster stores the
//    token's hash, never the token; the user is the object's `userName` (a token without such an object fails:
//    errLookup, "token lookup failed");
//  - pkg/tokenvalidation/expirationvalidator.go: `expiresIn` seconds after creation, or once deleting, it is expired;
//  - pkg/oauth/apis/oauth/validation/validation.go ValidateAccessToken / ValidateTokenName: the name is a path
//    segment name of at least 32 characters with the `sha256~` prefix; clientName, userName, userUID and redirectURI are
//    required.
// Not modelled: the User object lookup and the UID validator (a token names its user directly here), scopes, the
// inactivity timeout, audiences.
// What kube-apiserver does with a token no authenticator accepts (github:kubernetes/kubernetes, release-1.27):
// pkg/kubeapiserver/authenticator/config.go New: `union.NewFailOnError(authenticator, anonymous.NewAuthenticator())`,
// "don't consider a bad bearer token ... anonymous"; staging/src/k8s.io/apiserver/pkg/authentication/request/
// bearertoken/bearertoken.go: a token no authenticator accepts is the error "invalid bearer token"; and
// pkg/endpoints/filters/authentication.go WithAuthentication answers the failure with 401 Unauthorized (Status
// reason Unauthorized, message "Unauthorized") on every path, discovery and /version included.
import { createHash } from 'node:crypto';
import type { KObject } from './store.ts';
import { invalid, isValidPathSegmentName, required, validateObjectMeta, type FieldError } from './validation.ts';

export const SHA256_PREFIX = 'sha256~';
const MIN_TOKEN_LENGTH = 32; // validation.go MinTokenLength

/** The OAuthAccessToken name a `sha256~` token is stored under (tokenauthenticator.go); null for another token. */
export function accessTokenName(token: string): string | null {
  if (!token.startsWith(SHA256_PREFIX)) return null;
  return SHA256_PREFIX + createHash('sha256').update(token.slice(SHA256_PREFIX.length)).digest('base64url');
}

/** The user a token authenticates as, from its OAuthAccessToken; null when none is stored or it has expired. */
export function oauthTokenUser(token: string, lookup: (name: string) => KObject | undefined, now = Date.now()): string | null {
  const name = accessTokenName(token);
  const t = name ? lookup(name) : undefined;
  if (!t || typeof t.userName !== 'string' || !t.userName) return null;
  const expiresIn = Number(t.expiresIn ?? 0);
  const created = Date.parse(String(t.metadata?.creationTimestamp ?? ''));
  if (expiresIn > 0 && Number.isFinite(created) && created + expiresIn * 1000 < now) return null;
  if (t.metadata?.deletionTimestamp) return null;
  return t.userName;
}

function validateTokenName(name: string): string[] {
  const reasons = isValidPathSegmentName(name);
  if (reasons.length) return reasons;
  if (name.length < MIN_TOKEN_LENGTH) return [`must be at least ${MIN_TOKEN_LENGTH} characters long`];
  if (!name.startsWith(SHA256_PREFIX)) return ['only the new format of tokens (prefixed with sha256~) is allowed'];
  return [];
}

/** validation.go ValidateAccessToken (the fields the sim reads). */
export function validateAccessToken(obj: KObject): FieldError[] {
  const errs = validateObjectMeta(obj, false, validateTokenName);
  for (const f of ['clientName', 'userName', 'userUID']) if (typeof obj[f] !== 'string' || obj[f] === '') errs.push(required(f, ''));
  if (typeof obj.redirectURI !== 'string' || obj.redirectURI === '') errs.push(invalid('redirectURI', '', 'may not be empty'));
  if (typeof obj.expiresIn === 'number' && obj.expiresIn < 0) errs.push(invalid('expiresIn', obj.expiresIn, 'cannot be a negative value'));
  return errs;
}
