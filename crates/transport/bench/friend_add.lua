-- wrk script: the same 1-item friend_add request the transport benchmark sends, with the same
-- query string (QUERY from the environment) and body. Set once, so that wrk sends a pre-built
-- request (no Lua call per request).
wrk.method = "POST"
wrk.path = "/v4/sns/friend_add?" .. os.getenv("QUERY")
wrk.headers["Content-Type"] = "application/json; charset=utf-8"
wrk.body = '{"From_Account":"user1","AddFriendItem":[{"To_Account":"user2","AddSource":"AddSource_Type_Bench"}]}'
