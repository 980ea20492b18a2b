/**
 * The page-view paywall, the lesson after the cookie one: the session as a counter.
 * As the Flask lab writes it, `GET /articles/<id>` counts a view in `page_views` and,
 * past three, answers 401 `{"message": "Maximum pageview limit reached"}`;
 * `GET /clear` sets the counter back (to None, as the lab does); `GET /articles` lists
 * the articles. A view of an article that does not exist is a 404 and costs no view.
 */
import { renderFlaskJson } from 'signet-session/core/json-provider';
import type { PyValue } from 'signet-session/core/python-types';
import type { Session } from 'signet-session/core/session';
import type { Article, LessonDatabase } from './database.js';
import { JSON_TYPE, type HttpAnswer } from './lesson.js';

/** The free views a session has. */
export const FREE_VIEWS = 3;
export const PAGE_VIEWS_KEY = 'page_views';
const ARTICLE_PATH = /^\/articles\/(\d{1,15})$/;
const ALLOW = 'GET, HEAD, OPTIONS';

// Articles are plain rows of text, numbers and booleans: JSON as Flask renders it.
const json = (status: number, value: object): HttpAnswer => ({ status, headers: [['content-type', JSON_TYPE]], body: Buffer.from(renderFlaskJson(value as PyValue), 'utf8') });

/** The list's view of an article: no content, which a view counts. */
const summary = ({ content: _content, ...rest }: Article): Omit<Article, 'content'> => rest;

/** Who is asking, for the authorization lesson: nobody, a member, or an admin. */
export type Viewer = { readonly id: number; readonly isAdmin: boolean } | undefined;

const MEMBERS_PATH = /^\/members_only_articles(?:\/(\d{1,15}))?$/;

/**
 * The paywall's answer for `path`, and the authorization lesson's (members-only
 * articles, deleting one as an admin); undefined when the path is not one of theirs.
 * `viewer` says who is logged in; `crossSite` refuses a cross-site DELETE.
 */
export function paywallAnswer(method: string, path: string, session: Session, database: LessonDatabase, viewer: () => Viewer = () => undefined, crossSite: () => string | undefined = () => undefined): HttpAnswer | undefined {
  const members = MEMBERS_PATH.exec(path);
  if (members !== null) return membersAnswer(method, path, members[1], database, viewer);
  const article = ARTICLE_PATH.exec(path);
  if (path !== '/articles' && path !== '/clear' && article === null) return undefined;
  const allow = article === null ? ALLOW : 'GET, HEAD, DELETE, OPTIONS';
  if (method === 'OPTIONS') return { status: 200, headers: [['allow', allow], ['content-type', 'text/html; charset=utf-8']], body: Buffer.alloc(0) };
  if (method === 'DELETE' && article !== null) {
    const refused = crossSite();
    if (refused !== undefined) return json(403, { error: refused });
    const who = viewer();
    if (who === undefined) return json(401, { error: 'log in to delete an article' });
    if (!who.isAdmin) return json(403, { error: 'only an admin may delete an article' });
    return database.deleteArticle(Number(article[1])) ? { status: 204, headers: [], body: Buffer.alloc(0) } : json(404, { error: `no article ${article[1] ?? ''}` });
  }
  if (method !== 'GET' && method !== 'HEAD') return { ...json(405, { error: `method ${method} is not allowed for ${path}; use GET` }), headers: [['allow', allow], ['content-type', JSON_TYPE]] };
  if (path === '/articles') return json(200, database.articles().map(summary));
  if (path === '/clear') {
    session.set(PAGE_VIEWS_KEY, null);
    return { status: 204, headers: [], body: Buffer.alloc(0) };
  }
  const found = database.article(Number(article?.[1]));
  if (found === undefined) return json(404, { error: `no article ${article?.[1] ?? ''}` });
  const seen = session.get(PAGE_VIEWS_KEY);
  const views = (typeof seen === 'number' && Number.isSafeInteger(seen) && seen > 0 ? seen : 0) + 1;
  session.set(PAGE_VIEWS_KEY, views);
  if (views > FREE_VIEWS) return json(401, { message: 'Maximum pageview limit reached' });
  return json(200, found);
}

/** `GET /members_only_articles[/<id>]`: 401 unless logged in; the list, or one article (no view counted). */
function membersAnswer(method: string, path: string, id: string | undefined, database: LessonDatabase, viewer: () => Viewer): HttpAnswer {
  if (method === 'OPTIONS') return { status: 200, headers: [['allow', ALLOW], ['content-type', 'text/html; charset=utf-8']], body: Buffer.alloc(0) };
  if (method !== 'GET' && method !== 'HEAD') return { ...json(405, { error: `method ${method} is not allowed for ${path}; use GET` }), headers: [['allow', ALLOW], ['content-type', JSON_TYPE]] };
  if (viewer() === undefined) return json(401, { error: 'Unauthorized: log in to read members-only articles' });
  if (id === undefined) return json(200, database.articles().filter((article) => article.is_member_only).map(summary));
  const found = database.article(Number(id));
  return found === undefined || !found.is_member_only ? json(404, { error: `no members-only article ${id}` }) : json(200, found);
}
