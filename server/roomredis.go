package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisBackend keeps rooms in Redis, so that any replica can serve any
// member of any room. Keys (docs/ARCHITECTURE.md, "Classrooms"):
//
//	lrlab:room:{CODE}            the record (JSON), expiring after -room-expiry unless the owner touches it
//	lrlab:rooms                  sorted set of live codes by expiry (the -max-rooms count)
//	lrlab:room:{CODE}:log        a stream: the room's messages and resets, trimmed at each reset
//	lrlab:room:{CODE}:votes:{Q}  hash member → choice
//	lrlab:room:{CODE}:presence   hash replica → "students:unix ms"
//	lrlab:pokes                  pub/sub channel of "CODE what" (votes, presence, take-over)
type redisBackend struct {
	c   *redis.Client
	ttl time.Duration
}

// CheckRedisURL reports whether url is a Redis URL the server can use.
func CheckRedisURL(url string) error {
	if url == "" {
		return nil
	}
	_, err := redis.ParseURL(url)
	if err != nil {
		return fmt.Errorf("redis-url: %w", err)
	}
	return nil
}

func newRedisBackend(cfg Config) (*redisBackend, error) {
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("redis-url: %w", err)
	}
	// Every followed room holds a connection in a blocking read.
	opt.PoolSize = max(opt.PoolSize, cfg.MaxRooms+32)
	opt.DialTimeout = time.Second
	opt.ReadTimeout = 2 * time.Second
	opt.WriteTimeout = 2 * time.Second
	opt.MaxRetries = 1
	opt.ContextTimeoutEnabled = true
	return &redisBackend{c: redis.NewClient(opt), ttl: cfg.RoomExpiry}, nil
}

func roomKey(code string) string              { return "lrlab:room:" + code }
func logKey(code string) string               { return "lrlab:room:" + code + ":log" }
func votesKey(code, qid string) string        { return "lrlab:room:" + code + ":votes:" + qid }
func presenceKey(code string) string          { return "lrlab:room:" + code + ":presence" }
func (b *redisBackend) durable() bool         { return true }
func (b *redisBackend) close() error          { return b.c.Close() }
func (b *redisBackend) keyTTL() time.Duration { return b.ttl + time.Hour }

const roomsKey, pokesChannel = "lrlab:rooms", "lrlab:pokes"

func (b *redisBackend) create(ctx context.Context, code string, rec roomRecord, ttl time.Duration, maxRooms int) error {
	now := time.Now()
	if err := b.c.ZRemRangeByScore(ctx, roomsKey, "-inf", strconv.FormatInt(now.UnixMilli(), 10)).Err(); err != nil {
		return err
	}
	n, err := b.c.ZCard(ctx, roomsKey).Result()
	if err != nil {
		return err
	}
	if n >= int64(maxRooms) {
		return errTooManyRooms
	}
	data, _ := json.Marshal(rec)
	ok, err := b.c.SetNX(ctx, roomKey(code), data, ttl).Result()
	if err != nil {
		return err
	}
	if !ok {
		return errRoomExists
	}
	return b.c.ZAdd(ctx, roomsKey, redis.Z{Score: float64(now.Add(ttl).UnixMilli()), Member: code}).Err()
}

func (b *redisBackend) record(ctx context.Context, code string) (roomRecord, error) {
	data, err := b.c.Get(ctx, roomKey(code)).Bytes()
	if errors.Is(err, redis.Nil) {
		return roomRecord{}, errNoRoom
	}
	if err != nil {
		return roomRecord{}, err
	}
	var rec roomRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return roomRecord{}, err
	}
	return rec, nil
}

func (b *redisBackend) touch(ctx context.Context, code string, rec roomRecord, ttl time.Duration) error {
	data, _ := json.Marshal(rec)
	p := b.c.Pipeline()
	p.Set(ctx, roomKey(code), data, ttl)
	p.ZAdd(ctx, roomsKey, redis.Z{Score: float64(time.Now().Add(ttl).UnixMilli()), Member: code})
	p.Expire(ctx, logKey(code), ttl+time.Hour)
	p.Expire(ctx, presenceKey(code), ttl+time.Hour)
	_, err := p.Exec(ctx)
	return err
}

func (b *redisBackend) remove(ctx context.Context, code string) error {
	p := b.c.Pipeline()
	p.Del(ctx, roomKey(code))
	p.ZRem(ctx, roomsKey, code)
	// the log stays a minute, so the other replicas read the end
	p.Expire(ctx, logKey(code), time.Minute)
	p.Del(ctx, presenceKey(code))
	_, err := p.Exec(ctx)
	return err
}

// maxLogLen bounds a room's stream whatever happens (the owner resets
// every 1024 messages, which trims it much shorter).
const maxLogLen = 20000

func (b *redisBackend) appendLog(ctx context.Context, code string, entries []logEntry) error {
	key := logKey(code)
	p := b.c.Pipeline()
	flush := func() error {
		if p.Len() == 0 {
			return nil
		}
		_, err := p.Exec(ctx)
		return err
	}
	for _, e := range entries {
		args := &redis.XAddArgs{Stream: key, MaxLen: maxLogLen, Approx: true, Values: []any{
			"e", e.Epoch, "s", e.Seq, "k", string(e.Kind), "t", e.At, "d", e.Data,
		}}
		if e.Kind != entryReset {
			p.XAdd(ctx, args)
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		id, err := b.c.XAdd(ctx, args).Result()
		if err != nil {
			return err
		}
		// everything before a reset is in it
		if err := b.c.XTrimMinID(ctx, key, id).Err(); err != nil {
			return err
		}
	}
	p.Expire(ctx, key, b.keyTTL())
	return flush()
}

func (b *redisBackend) follow(ctx context.Context, code, after string, block time.Duration, fn func(logEntry)) (string, error) {
	if after == "" {
		after = "0"
	}
	args := &redis.XReadArgs{Streams: []string{logKey(code), after}, Count: 512, Block: -1}
	if block > 0 {
		args.Block = block
	}
	res, err := b.c.XRead(ctx, args).Result()
	if errors.Is(err, redis.Nil) {
		if after == "0" {
			return "", nil
		}
		return after, nil
	}
	if err != nil {
		return after, err
	}
	last := after
	for _, st := range res {
		for _, m := range st.Messages {
			e := logEntry{ID: m.ID}
			e.Epoch, _ = m.Values["e"].(string)
			if s, ok := m.Values["s"].(string); ok {
				e.Seq, _ = strconv.ParseUint(s, 10, 64)
			}
			if k, ok := m.Values["k"].(string); ok && len(k) == 1 {
				e.Kind = k[0]
			}
			if t, ok := m.Values["t"].(string); ok {
				e.At, _ = strconv.ParseInt(t, 10, 64)
			}
			if d, ok := m.Values["d"].(string); ok {
				e.Data = []byte(d)
			}
			fn(e)
			last = m.ID
		}
	}
	if last == "0" {
		last = ""
	}
	return last, nil
}

// voteScript sets a member's vote unless the question has maxVoters
// other voters: 1 when set, -1 when full.
var voteScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return -1
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`)

func (b *redisBackend) vote(ctx context.Context, code, qid, member string, choice, maxVoters int) error {
	n, err := voteScript.Run(ctx, b.c, []string{votesKey(code, qid)}, member, choice, maxVoters, b.keyTTL().Milliseconds()).Int()
	if err != nil {
		return err
	}
	if n < 0 {
		return errTooManyVoters
	}
	return nil
}

func (b *redisBackend) votes(ctx context.Context, code, qid string) (map[string]int, error) {
	all, err := b.c.HGetAll(ctx, votesKey(code, qid)).Result()
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(all))
	for k, v := range all {
		if c, err := strconv.Atoi(v); err == nil {
			out[k] = c
		}
	}
	return out, nil
}

func (b *redisBackend) myVote(ctx context.Context, code, qid, member string) (int, bool, error) {
	v, err := b.c.HGet(ctx, votesKey(code, qid), member).Int()
	if errors.Is(err, redis.Nil) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return v, true, nil
}

// presenceStale is how old a replica's presence may be before it is not
// counted (a replica that died without saying goodbye).
const presenceStale = 30 * time.Second

func (b *redisBackend) setPresence(ctx context.Context, code, replica string, n int) error {
	p := b.c.Pipeline()
	if n == 0 {
		p.HDel(ctx, presenceKey(code), replica)
	} else {
		p.HSet(ctx, presenceKey(code), replica, strconv.Itoa(n)+":"+strconv.FormatInt(time.Now().UnixMilli(), 10))
		p.Expire(ctx, presenceKey(code), b.keyTTL())
	}
	_, err := p.Exec(ctx)
	return err
}

func (b *redisBackend) presence(ctx context.Context, code string) (int, error) {
	all, err := b.c.HGetAll(ctx, presenceKey(code)).Result()
	if err != nil {
		return 0, err
	}
	now := time.Now().UnixMilli()
	total := 0
	for _, v := range all {
		ns, ts, _ := strings.Cut(v, ":")
		n, err1 := strconv.Atoi(ns)
		t, err2 := strconv.ParseInt(ts, 10, 64)
		if err1 == nil && err2 == nil && now-t <= presenceStale.Milliseconds() {
			total += n
		}
	}
	return total, nil
}

func (b *redisBackend) poke(ctx context.Context, code, what string) error {
	return b.c.Publish(ctx, pokesChannel, code+" "+what).Err()
}

func (b *redisBackend) pokes(ctx context.Context, fn func(code, what string)) {
	ps := b.c.Subscribe(ctx, pokesChannel)
	defer ps.Close()
	ch := ps.Channel()
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			if code, what, ok := strings.Cut(m.Payload, " "); ok {
				fn(code, what)
			}
		}
	}
}
