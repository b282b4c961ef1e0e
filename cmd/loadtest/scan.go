package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"

	"github.com/coder/websocket"

	"lrlab/api"
)

// The scanner: what the tool reads of the server's messages, without
// decoding them as JSON.

// msgType returns the value of the message's "type" key. The server writes
// "type" first; a message where it is not found has type "".
func msgType(b []byte) []byte {
	i := bytes.Index(b, []byte(`"type":"`))
	if i < 0 {
		return nil
	}
	b = b[i+len(`"type":"`):]
	j := bytes.IndexByte(b, '"')
	if j < 0 {
		return nil
	}
	return b[:j]
}

// stringField returns the raw (still escaped) value of the string key, or
// "" when absent.
func stringField(b []byte, key string) string {
	i := bytes.Index(b, []byte(`"`+key+`":"`))
	if i < 0 {
		return ""
	}
	b = b[i+len(key)+4:]
	for j := 0; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return string(b[:j])
		}
	}
	return string(b)
}

// runPoints is what the tool reads of one run of a frame.
type runPoints = api.RunPoints

// isBinaryFrame reports whether message b is a binary frame (a JSON
// message starts with '{').
func isBinaryFrame(b []byte) bool { return bytes.HasPrefix(b, []byte(api.BinaryFrameMagic)) }

var (
	keyRun = []byte(`{"run":`)
	keyT0  = []byte(`"t0":`)
	keyX   = []byte(`"x":[`)
)

// scanFrame appends to out, for each run of a frame message, its index, t0
// and the number of values of its x column. Numbers never contain ',' or
// ']', so counting commas up to the closing bracket counts the values.
func scanFrame(b []byte, out []runPoints) ([]runPoints, error) {
	if isBinaryFrame(b) {
		return api.ScanBinaryFrame(b, out)
	}
	for {
		i := bytes.Index(b, keyRun)
		if i < 0 {
			return out, nil
		}
		b = b[i+len(keyRun):]
		var rp runPoints
		var ok bool
		if rp.Run, b, ok = leadingInt(b); !ok {
			return out, errors.New("frame: bad run index")
		}
		if i = bytes.Index(b, keyT0); i < 0 {
			return out, errors.New("frame: run without t0")
		}
		if rp.T0, b, ok = leadingInt(b[i+len(keyT0):]); !ok {
			return out, errors.New("frame: bad t0")
		}
		if i = bytes.Index(b, keyX); i < 0 {
			return out, errors.New("frame: run without x")
		}
		b = b[i+len(keyX):]
		end := bytes.IndexByte(b, ']')
		if end < 0 {
			return out, errors.New("frame: unterminated x")
		}
		if end > 0 {
			rp.N = bytes.Count(b[:end], []byte{','}) + 1
		}
		b = b[end:]
		out = append(out, rp)
	}
}

// leadingInt reads the non-negative integer at the start of b.
func leadingInt(b []byte) (int, []byte, bool) {
	v, i := 0, 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		v = v*10 + int(b[i]-'0')
	}
	return v, b[i:], i > 0
}

// readMessage reads the next message into buf (reused; grown when needed)
// and returns it.
func readMessage(ctx context.Context, conn *websocket.Conn, buf []byte) ([]byte, error) {
	_, r, err := conn.Reader(ctx)
	if err != nil {
		return buf, err
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, max(cap(buf), 512))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// ---- the watchdog ----
