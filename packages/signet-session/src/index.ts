export { Float, Markup, Tuple, Uuid, isPythonTruthy, isPyDict, type PyDict, type PyValue } from './core/python-types.js';
export { dumpPythonJson, floatRepr, parsePythonJson, JsonSyntaxError, type DumpOptions, type Replacer } from './core/python-json.js';
export { dumpTaggedJson, loadTaggedJson, httpDate, TagError } from './core/tagged-json.js';
export { parseEmailDate, pythonInt, pythonUuidHex } from './core/python-text.js';
export { decodeBase64Lenient, encodeBase64, encodeBase64Url } from './core/base64.js';
export { Signer, TimestampSigner, encodeTimestamp, decodeTimestamp, type Clock, type Secret, type SignerOptions, type TimestampSignerOptions } from './core/signer.js';
export { BadData, BadPayload, BadSignature, BadTimeSignature, SignatureExpired, type BadDataReason, type Result } from './core/errors.js';
export {
  FlaskSessionCodec,
  DEFAULT_MAX_AGE,
  FLASK_SESSION_SALT,
  decodePayload,
  encodePayload,
  type DecodedSession,
  type FlaskSessionCodecOptions,
} from './core/flask-session.js';
export { Session, type Flash, type SessionState } from './core/session.js';
export {
  CookieSessions,
  FLASK_COOKIE,
  SAFE_COOKIE,
  DEFAULT_MAX_COOKIE_SIZE,
  resolveSettings,
  type CookieOptions,
  type OpenedSession,
  type RequestFacts,
  type ResolvedSettings,
  type SavedSession,
  type SessionFormat,
  type SessionOptions,
  type SameSitePolicy,
  type SessionReader,
  type SessionSchema,
  type StandardSchemaV1,
} from './core/cookie-sessions.js';
export { SealedCodec, SEALED_VERSION, SEALED_VERSION_1, type OpenedToken, type RandomBytes, type SealedCodecOptions, type SealedTimes, type SealedVersion } from './core/sealed.js';
export { checkTimeouts, type TimeoutLimits } from './core/timeouts.js';
export { CookieTooLarge } from './core/errors.js';
export { parseCookieHeader, firstCookieValues, readCookies, serializeSetCookie, quoteCookieValue, type CookieAttributes, type SameSite } from './core/cookie-header.js';
export { parseSecretSpec, formatSecretSpec } from './core/secret-spec.js';
export { renderFlaskJson } from './core/json-provider.js';
export {
  SessionEngine,
  type RequestSession,
  defaultErrorAnswer,
  unavailableAnswer,
  varyWithCookie,
  type EngineOptions,
  type ErrorAnswer,
  type RequestFacts as EngineRequestFacts,
  type SessionData,
  type SessionOutcome,
} from './core/engine.js';
export { tooLargeMessage, renewalSkippedMessage, MAX_COOKIE_SIZE_LIMIT } from './core/cookie-sessions.js';
export { MAX_INFLATED_PAYLOAD } from './core/flask-session.js';
export { setMemosEnabled, memosEnabled, MEMOS, MEMO_ENTRIES, type MemoName } from './core/memo.js';
export { inspectCookie, pythonRepr, toJsonView, type CheckResult, type Inspection, type InspectOptions } from './core/inspect.js';
export type { OpenedData } from './core/session.js';
export { FORWARD_SECONDS, ServerSessions, SessionConflict, type LoadedSession, type SavedServerSession, type ServerSessionOptions } from './core/server-sessions.js';
export { MemoryStore, StoreUnavailable, type MemoryStoreOptions, type SessionStore, type SessionWrite, type StoredSession, type WriteVerdict } from './core/store.js';
export { SessionIds, storageKey, SESSION_ID_SALT, type ReadId, type SessionId, type SessionIdsOptions } from './core/session-id.js';
export { Revocation, USER_KEY, GENERATION_KEY, type GenerationSource, type RevocationOptions } from './core/revocation.js';
