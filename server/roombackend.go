package server

import (
	"context"
	"errors"
	"sync"
	"time"
)

// roomBackend is where rooms live beyond one replica's memory: the room's
// record (its teacher token's digest), its log of messages (what a replica
// that has never seen the room replays to catch up), the votes, the members
// per replica, and pokes from members' replicas to the owner's. Two
// implementations: memBackend (one process, the default) and redisBackend
// (-redis-url). Every method is safe for concurrent use.
type roomBackend interface {
	// create stores a new room record that expires after ttl unless
	// touched; errRoomExists when the code is taken, errTooManyRooms when
	// maxRooms records are live.
	create(ctx context.Context, code string, rec roomRecord, ttl time.Duration, maxRooms int) error
	// record returns the room's record, errNoRoom when there is none.
	record(ctx context.Context, code string) (roomRecord, error)
	// touch stores rec again with a fresh ttl (the owner does this while
	// the teacher is connected; after Redis lost its data it restores it).
	touch(ctx context.Context, code string, rec roomRecord, ttl time.Duration) error
	// remove deletes everything of the room.
	remove(ctx context.Context, code string) error

	// durable reports whether the log outlives this process's room object
	// (Redis). With memory, the local room object is the only copy.
	durable() bool
	// appendLog adds entries to the room's log; a reset entry lets
	// everything before it be dropped.
	appendLog(ctx context.Context, code string, entries []logEntry) error
	// follow calls fn for each log entry after the entry id after ("" for
	// the start), waiting at most block for new ones, and returns the id of
	// the last entry given. It returns at once with the error when the
	// back end fails.
	follow(ctx context.Context, code, after string, block time.Duration, fn func(logEntry)) (string, error)

	// vote records member's choice on question qid (replacing an earlier
	// one); errTooManyVoters when maxVoters members voted already.
	vote(ctx context.Context, code, qid, member string, choice, maxVoters int) error
	// votes returns every member's choice on qid.
	votes(ctx context.Context, code, qid string) (map[string]int, error)
	// myVote returns member's choice on qid, false when it has none.
	myVote(ctx context.Context, code, qid, member string) (int, bool, error)
	// setPresence records that this replica has n students in the room.
	setPresence(ctx context.Context, code, replica string, n int) error
	// presence returns the students of the room over every live replica.
	presence(ctx context.Context, code string) (int, error)
	// poke tells the room's owner that votes or presence changed (what:
	// pokeVotes, pokePresence) or that a teacher took the room over
	// (pokeTakeover + ":" + the new owner's epoch).
	poke(ctx context.Context, code, what string) error
	// pokes calls fn for every poke of any room until ctx ends.
	pokes(ctx context.Context, fn func(code, what string))
	// close releases the back end's connections.
	close() error
}

// roomRecord is what the back end keeps of a room besides its log.
type roomRecord struct {
	TokenHash []byte `json:"token_hash"` // SHA-256 of the teacher token
	Created   int64  `json:"created"`    // Unix seconds
}

// logEntry is one entry of a room's log: a message as every member
// receives it (kind entryMsg), or a reset (entryReset) holding the room's
// whole state as catch-up messages separated by '\n'. Epoch names the owner
// that wrote it (a new one after every take-over), Seq counts the owner's
// entries so a follower can tell a gap; At is the owner's clock when it was
// published, in Unix nanoseconds (the fan-out lag).
type logEntry struct {
	ID    string // the back end's id; set by follow
	Epoch string
	Seq   uint64
	Kind  byte
	At    int64
	Data  []byte
}

const (
	entryMsg   = 'm'
	entryReset = 'r'
)

const (
	pokeVotes    = "v"
	pokePresence = "p"
	pokeTakeover = "t"
)

var (
	errNoRoom        = errors.New("no such room")
	errRoomExists    = errors.New("room code taken")
	errTooManyRooms  = errors.New("too many rooms")
	errTooManyVoters = errors.New("too many voters")
)

// memBackend keeps rooms in this process's memory. Its log is not kept:
// with one process, the local room object is the room's only state.
type memBackend struct {
	mu    sync.Mutex
	rooms map[string]*memRoom
	fns   map[*func(code, what string)]struct{}
}

type memRoom struct {
	rec      roomRecord
	expires  time.Time
	votes    map[string]map[string]int // question → member → choice
	presence map[string]int
}

func newMemBackend() *memBackend {
	return &memBackend{rooms: map[string]*memRoom{}, fns: map[*func(code, what string)]struct{}{}}
}

// live returns the room of code unless it expired (deleting it then).
func (b *memBackend) live(code string) *memRoom {
	r := b.rooms[code]
	if r != nil && time.Now().After(r.expires) {
		delete(b.rooms, code)
		return nil
	}
	return r
}

func (b *memBackend) create(_ context.Context, code string, rec roomRecord, ttl time.Duration, maxRooms int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.live(code) != nil {
		return errRoomExists
	}
	n := 0
	for c := range b.rooms {
		if b.live(c) != nil {
			n++
		}
	}
	if n >= maxRooms {
		return errTooManyRooms
	}
	b.rooms[code] = &memRoom{rec: rec, expires: time.Now().Add(ttl), votes: map[string]map[string]int{}, presence: map[string]int{}}
	return nil
}

func (b *memBackend) record(_ context.Context, code string) (roomRecord, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if r := b.live(code); r != nil {
		return r.rec, nil
	}
	return roomRecord{}, errNoRoom
}

func (b *memBackend) touch(_ context.Context, code string, rec roomRecord, ttl time.Duration) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.live(code)
	if r == nil {
		r = &memRoom{votes: map[string]map[string]int{}, presence: map[string]int{}}
		b.rooms[code] = r
	}
	r.rec, r.expires = rec, time.Now().Add(ttl)
	return nil
}

func (b *memBackend) remove(_ context.Context, code string) error {
	b.mu.Lock()
	delete(b.rooms, code)
	b.mu.Unlock()
	return nil
}

func (b *memBackend) durable() bool { return false }

func (b *memBackend) appendLog(context.Context, string, []logEntry) error { return nil }

func (b *memBackend) follow(ctx context.Context, _, after string, block time.Duration, _ func(logEntry)) (string, error) {
	t := time.NewTimer(block)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	return after, nil
}

func (b *memBackend) vote(_ context.Context, code, qid, member string, choice, maxVoters int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.live(code)
	if r == nil {
		return errNoRoom
	}
	q := r.votes[qid]
	if q == nil {
		q = map[string]int{}
		r.votes[qid] = q
	}
	if _, ok := q[member]; !ok && len(q) >= maxVoters {
		return errTooManyVoters
	}
	q[member] = choice
	return nil
}

func (b *memBackend) votes(_ context.Context, code, qid string) (map[string]int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.live(code)
	if r == nil {
		return nil, errNoRoom
	}
	out := make(map[string]int, len(r.votes[qid]))
	for k, v := range r.votes[qid] {
		out[k] = v
	}
	return out, nil
}

func (b *memBackend) myVote(_ context.Context, code, qid, member string) (int, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.live(code)
	if r == nil {
		return 0, false, errNoRoom
	}
	c, ok := r.votes[qid][member]
	return c, ok, nil
}

func (b *memBackend) setPresence(_ context.Context, code, replica string, n int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if r := b.live(code); r != nil {
		r.presence[replica] = n
	}
	return nil
}

func (b *memBackend) presence(_ context.Context, code string) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	if r := b.live(code); r != nil {
		for _, v := range r.presence {
			n += v
		}
	}
	return n, nil
}

func (b *memBackend) poke(_ context.Context, code, what string) error {
	b.mu.Lock()
	fns := make([]*func(code, what string), 0, len(b.fns))
	for fn := range b.fns {
		fns = append(fns, fn)
	}
	b.mu.Unlock()
	for _, fn := range fns {
		(*fn)(code, what)
	}
	return nil
}

func (b *memBackend) pokes(ctx context.Context, fn func(code, what string)) {
	b.mu.Lock()
	b.fns[&fn] = struct{}{}
	b.mu.Unlock()
	<-ctx.Done()
	b.mu.Lock()
	delete(b.fns, &fn)
	b.mu.Unlock()
}

func (b *memBackend) close() error { return nil }
