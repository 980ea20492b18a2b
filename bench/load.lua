-- The load of the many-users, writes and browser workloads (run.mjs), the same for every
-- server, floors included. wrk runs with -t1: one thread, so one Lua state for all the
-- connections. init formats one request per user from a file of Cookie headers (line n is
-- user n's), so no request is built while timing; request() cycles through the users.
--
-- args: path, file, and optionally "jar": then each user sends back the newest session
-- token it was given, as a browser does. wrk's response() does not say which connection
-- or request it answers, so the user is read from the body ("session_value": n, the
-- lesson's answer for /sessions/user_id). A user's next turn comes 10,000 requests later,
-- long after its answer. An answer without a user id (the floors' constant one) goes to
-- the next user in turn, so the floor's load does the same work.
-- wrk's headers table keeps one value per name, the last: the session cookie must be the
-- last Set-Cookie (run.mjs checks; `missing` below counts the answers where it is not).

local requests = {}
local count, turn, spare = 0, 0, 0
local cookieTail = "; mouse=Cookie"
-- Globals, so that done() can read them with thread:get.
jar, updated, unmatched, missing = false, 0, 0, 0

local function format(cookie)
   local headers = {}
   for name, value in pairs(wrk.headers) do headers[name] = value end
   headers["Cookie"] = cookie .. cookieTail
   return wrk.format("GET", wrk.path, headers)
end

local function sendBackNewest(_, headers, body)
   local set = headers["set-cookie"] or headers["Set-Cookie"] or ""
   local token = set:match("^(session=[^;]*)")
   if token == nil then
      missing = missing + 1
      return
   end
   local user = tonumber(body:match('"session_value": (%d+)'))
   if user == nil or requests[user] == nil then
      unmatched = unmatched + 1
      spare = spare % count + 1
      user = spare
   end
   requests[user] = format(token)
   updated = updated + 1
end

function init(args)
   wrk.path = args[1]
   for line in io.lines(args[2]) do
      count = count + 1
      requests[count] = format(line)
   end
   -- wrk parses answers only for a script that defines response() by the end of init:
   -- the other workloads leave it undefined, so their load parses no headers.
   if args[3] == "jar" then
      jar = true
      response = sendBackNewest
   end
end

function request()
   turn = turn % count + 1
   return requests[turn]
end

local threads = {}

function setup(thread)
   threads[#threads + 1] = thread
end

function done()
   for _, thread in ipairs(threads) do
      if thread:get("jar") then
         io.write(string.format("jar: %d updated, %d unmatched, %d missing\n", thread:get("updated"), thread:get("unmatched"), thread:get("missing")))
      end
   end
end
