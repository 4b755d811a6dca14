//! The Lua script that runs in Redis, and the keys it works on.
//!
//! One script, loaded once and run with `EVALSHA` (the `redis` crate's `Script` sends
//! `EVALSHA`, and on `NOSCRIPT` loads the script with `SCRIPT LOAD` and sends `EVALSHA` again).
//! It has two operations:
//!
//! - `acquire`: `KEYS` = the endpoint's schedule, the endpoint's pause, the app's pause;
//!   `ARGV` = `"acquire"`, the interval between permits in µs, the burst. It reserves the next
//!   permit (GCRA) and returns how many µs the caller waits for it.
//! - `pause`: `KEYS` = a pause key; `ARGV` = `"pause"`, a duration in µs. It makes the pause last
//!   at least that long from now and returns the µs it now lasts.
//!
//! Every time is the Redis server's (`TIME`, µs since the epoch), so the clocks of the fleet's
//! machines do not matter. Numbers are written with `%.0f`: Lua 5.1 numbers are doubles, exact
//! for integers up to 2^53 (µs since the epoch are about 2^51), and `tostring` would print them
//! in exponent notation.

use tencent_im_protocol::Endpoint;

/// The arithmetic, shared by the script and its tests: the GCRA of the transport's
/// `TokenBucket`, with pauses.
///
/// `gcra(now, tat, pause, interval, burst)`: `tat` is the theoretical arrival time of the next
/// permit (0 if none was reserved), `pause` the end of the pause in force (0 if none). Permits go
/// no earlier than the end of a pause; at most `burst` go at once. Returns the new `tat` and the
/// wait in µs.
pub(crate) const FUNCTIONS: &str = r"
local function fmt(n)
  return string.format('%.0f', n)
end

local function gcra(now, tat, pause, interval, burst)
  local start = math.max(now, pause)
  local new_tat = math.max(tat, start) + interval
  local go = math.max(new_tat - interval * burst, start)
  return new_tat, go - now
end

local function ttl_ms(until_us, now)
  return fmt(math.max(1, math.ceil((until_us - now) / 1000)))
end
";

/// The operations, after [`FUNCTIONS`].
const MAIN: &str = r"
if redis.replicate_commands then
  redis.replicate_commands()
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

if ARGV[1] == 'acquire' then
  local v = redis.call('MGET', KEYS[1], KEYS[2], KEYS[3])
  local tat = tonumber(v[1]) or 0
  local pause = math.max(tonumber(v[2]) or 0, tonumber(v[3]) or 0)
  local new_tat, wait = gcra(now, tat, pause, tonumber(ARGV[2]), tonumber(ARGV[3]))
  redis.call('SET', KEYS[1], fmt(new_tat), 'PX', ttl_ms(new_tat, now))
  return wait
elseif ARGV[1] == 'pause' then
  local until_us = now + tonumber(ARGV[2])
  local current = tonumber(redis.call('GET', KEYS[1])) or 0
  if current >= until_us then
    return current - now
  end
  redis.call('SET', KEYS[1], fmt(until_us), 'PX', ttl_ms(until_us, now))
  return until_us - now
end
return redis.error_reply('tencent-im-ratelimit-redis: unknown operation')
";

/// The whole script.
pub(crate) fn source() -> String {
    format!("{FUNCTIONS}{MAIN}")
}

/// The keys of one app under a prefix: `{prefix}:{<sdkappid>}:...`. The braces are a Redis
/// Cluster hash tag: every key of an app is in one slot, as a script's keys must be.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    app: String,
}

impl Keys {
    pub(crate) fn new(prefix: &str, sdkappid: u64) -> Self {
        Self {
            app: format!("{prefix}:{{{sdkappid}}}"),
        }
    }

    /// The schedule (theoretical arrival time) of `endpoint`.
    pub(crate) fn schedule(&self, endpoint: Endpoint) -> String {
        format!("{}:{}", self.app, endpoint.api())
    }

    /// The pause of `endpoint`.
    pub(crate) fn endpoint_pause(&self, endpoint: Endpoint) -> String {
        format!("{}:{}:pause", self.app, endpoint.api())
    }

    /// The pause of the whole app.
    pub(crate) fn app_pause(&self) -> String {
        format!("{}:pause", self.app)
    }
}

/// The interval between permits at `per_second`, in µs, rounded up (so the rate is never above
/// the quota).
pub(crate) fn interval_us(per_second: u32) -> u64 {
    1_000_000u64.div_ceil(u64::from(per_second.max(1)))
}

#[cfg(test)]
#[path = "../tests/common/redis.rs"]
mod redis_server;

#[cfg(test)]
mod tests {
    use super::*;
    use redis_server::RedisServer;

    /// Runs [`FUNCTIONS`]' `gcra` in a real Redis with these numbers (µs):
    /// `(new_tat, wait)`.
    struct Gcra {
        _server: RedisServer,
        conn: redis::Connection,
        script: redis::Script,
    }

    impl Gcra {
        fn new() -> Self {
            let server = RedisServer::start();
            let conn = redis::Client::open(server.url())
                .unwrap()
                .get_connection()
                .unwrap();
            let script = redis::Script::new(&format!(
                "{FUNCTIONS}
                local new_tat, wait = gcra(tonumber(ARGV[1]), tonumber(ARGV[2]),
                    tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
                return {{fmt(new_tat), fmt(wait)}}"
            ));
            Self {
                _server: server,
                conn,
                script,
            }
        }

        fn run(&mut self, now: i64, tat: i64, pause: i64, interval: u64, burst: u32) -> (i64, i64) {
            let (new_tat, wait): (String, String) = self
                .script
                .arg(now)
                .arg(tat)
                .arg(pause)
                .arg(interval)
                .arg(burst)
                .invoke(&mut self.conn)
                .unwrap();
            (new_tat.parse().unwrap(), wait.parse().unwrap())
        }
    }

    /// A time of 2026 in µs, odd so that rounding would show.
    const NOW: i64 = 1_795_000_000_123_457;

    #[test]
    fn burst_one_at_one_per_second() {
        let mut g = Gcra::new();
        let i = interval_us(1);
        // Nothing reserved: now, and the next permit one interval later.
        assert_eq!(g.run(NOW, 0, 0, i, 1), (NOW + 1_000_000, 0));
        // A second permit at the same instant waits a whole interval.
        assert_eq!(
            g.run(NOW, NOW + 1_000_000, 0, i, 1),
            (NOW + 2_000_000, 1_000_000)
        );
        // Exactly at the boundary: it goes at once.
        assert_eq!(
            g.run(NOW + 1_000_000, NOW + 1_000_000, 0, i, 1),
            (NOW + 2_000_000, 0)
        );
        // One µs before it: it waits one µs.
        assert_eq!(
            g.run(NOW + 999_999, NOW + 1_000_000, 0, i, 1),
            (NOW + 2_000_000, 1)
        );
        // Long after the last permit: no credit beyond the burst.
        assert_eq!(
            g.run(NOW + 60_000_000, NOW + 1_000_000, 0, i, 1),
            (NOW + 61_000_000, 0)
        );
    }

    #[test]
    fn ten_thousand_per_second() {
        let mut g = Gcra::new();
        let i = interval_us(10_000);
        assert_eq!(i, 100);
        // Burst 1: one permit per 100 µs.
        let (tat, wait) = g.run(NOW, 0, 0, i, 1);
        assert_eq!((tat, wait), (NOW + 100, 0));
        assert_eq!(g.run(NOW, tat, 0, i, 1), (NOW + 200, 100));
        assert_eq!(g.run(NOW + 100, NOW + 100, 0, i, 1), (NOW + 200, 0));
        assert_eq!(g.run(NOW + 99, NOW + 100, 0, i, 1), (NOW + 200, 1));
        // The default burst of a tenth of a second's worth: 1000 at once, the 1001st waits
        // one interval.
        let mut tat = 0;
        for n in 0..1000 {
            let (t, wait) = g.run(NOW, tat, 0, i, 1000);
            assert_eq!(wait, 0, "permit {n}");
            tat = t;
        }
        assert_eq!(tat, NOW + 100_000);
        assert_eq!(g.run(NOW, tat, 0, i, 1000), (NOW + 100_100, 100));
        // At the boundary of the burst: the 1001st permit 100 µs later goes at once.
        assert_eq!(g.run(NOW + 100, tat, 0, i, 1000), (NOW + 100_100, 0));
    }

    #[test]
    fn quota_of_two_hundred_with_its_burst() {
        let mut g = Gcra::new();
        let i = interval_us(200);
        let mut tat = 0;
        let mut waits = Vec::new();
        for _ in 0..22 {
            let (t, wait) = g.run(NOW, tat, 0, i, 20);
            tat = t;
            waits.push(wait);
        }
        // 20 at once, then one every 5 ms.
        assert!(waits[..20].iter().all(|&w| w == 0), "{waits:?}");
        assert_eq!(&waits[20..], &[5_000, 10_000]);
    }

    #[test]
    fn pauses_hold_permits_back() {
        let mut g = Gcra::new();
        let i = interval_us(200);
        let pause = NOW + 1_000_000;
        // During a pause, the first `burst` permits go at its end, the next one interval on.
        let (tat, wait) = g.run(NOW, 0, pause, i, 2);
        assert_eq!((tat, wait), (pause + 5_000, 1_000_000));
        let (tat, wait) = g.run(NOW, tat, pause, i, 2);
        assert_eq!((tat, wait), (pause + 10_000, 1_000_000));
        assert_eq!(g.run(NOW, tat, pause, i, 2), (pause + 15_000, 1_005_000));
        // A pause that is over changes nothing.
        assert_eq!(g.run(NOW, 0, NOW - 1, i, 2), (NOW + 5_000, 0));
        // A pause ending exactly now: the permit goes now.
        assert_eq!(g.run(NOW, 0, NOW, i, 2), (NOW + 5_000, 0));
    }

    #[test]
    fn keys_share_a_hash_tag() {
        let keys = Keys::new("tim:rl", 1_400_000_000);
        assert_eq!(
            keys.schedule(Endpoint::FriendAdd),
            "tim:rl:{1400000000}:sns/friend_add"
        );
        assert_eq!(
            keys.endpoint_pause(Endpoint::FriendAdd),
            "tim:rl:{1400000000}:sns/friend_add:pause"
        );
        assert_eq!(keys.app_pause(), "tim:rl:{1400000000}:pause");
    }

    #[test]
    fn intervals_round_up() {
        assert_eq!(interval_us(200), 5_000);
        assert_eq!(interval_us(10_000), 100);
        assert_eq!(interval_us(1), 1_000_000);
        assert_eq!(interval_us(3), 333_334);
        assert_eq!(interval_us(0), 1_000_000);
        assert_eq!(interval_us(2_000_000), 1);
    }
}
