// Command gohelper is the Go peer of websessions' interop tests.
//
// It reads one JSON request {"ops": [...]} on stdin and writes
// {"results": [...]} on stdout, one result per op, so a test starts one
// process for a whole batch. Every operation goes through the real
// gorilla/securecookie and gorilla/sessions APIs. Built in GOPATH mode
// (GO111MODULE=off) against Debian's gorilla sources; see conftest.py.
//
// Values sent by Python are JSON in which a number with '.', 'e' or 'E' is
// a float64, any other number an int64 (uint64 or *big.Int when larger), and
// {"$bytes": "<std base64>"} a []byte: what a Go program would hold.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

type cookieOptions struct {
	Path     string  `json:"path"`
	Domain   string  `json:"domain"`
	MaxAge   int     `json:"max_age"`
	Secure   bool    `json:"secure"`
	HTTPOnly bool    `json:"http_only"`
	SameSite *string `json:"same_site"`
}

type flash struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

type op struct {
	Op           string                     `json:"op"`
	Name         string                     `json:"name"`
	Keys         []*string                  `json:"keys"`
	Value        json.RawMessage            `json:"value"`
	Cookie       string                     `json:"cookie"`
	Into         string                     `json:"into"`
	MaxAge       *int                       `json:"max_age"`
	MinAge       *int                       `json:"min_age"`
	MaxLength    *int                       `json:"max_length"`
	B64          string                     `json:"b64"`
	Options      *cookieOptions             `json:"options"`
	SessionOpts  *cookieOptions             `json:"session_options"`
	Store        string                     `json:"store"`
	Path         string                     `json:"path"`
	CookieHeader string                     `json:"cookie_header"`
	FlashKeys    []string                   `json:"flash_keys"`
	Set          map[string]json.RawMessage `json:"set"`
	Delete       []string                   `json:"delete"`
	Flashes      []flash                    `json:"flashes"`
	Serializer   string                     `json:"serializer"`
}

type result map[string]interface{}

// sessionJSON is securecookie.JSONEncoder for session values: encoding/json
// cannot handle Session.Values (map[interface{}]interface{}), so the map is
// converted to and from map[string]interface{} around the real encoder.
type sessionJSON struct{}

func (sessionJSON) Serialize(src interface{}) ([]byte, error) {
	if m, ok := src.(map[interface{}]interface{}); ok {
		sm := make(map[string]interface{}, len(m))
		for k, v := range m {
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("session key %v is not a string", k)
			}
			sm[ks] = v
		}
		src = sm
	}
	return securecookie.JSONEncoder{}.Serialize(src)
}

func (sessionJSON) Deserialize(src []byte, dst interface{}) error {
	if p, ok := dst.(*map[interface{}]interface{}); ok {
		var sm map[string]interface{}
		if err := (securecookie.JSONEncoder{}).Deserialize(src, &sm); err != nil {
			return err
		}
		if *p == nil {
			*p = make(map[interface{}]interface{}, len(sm))
		}
		for k, v := range sm {
			(*p)[k] = v
		}
		return nil
	}
	return securecookie.JSONEncoder{}.Deserialize(src, dst)
}

// goValue turns a value decoded with UseNumber into the typed Go value it stands for.
func goValue(v interface{}) (interface{}, error) {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if strings.ContainsAny(s, ".eE") {
			return strconv.ParseFloat(s, 64)
		}
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
		if u, err := strconv.ParseUint(s, 10, 64); err == nil {
			return u, nil
		}
		n, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return nil, fmt.Errorf("bad number %q", s)
		}
		return n, nil
	case map[string]interface{}:
		if b, ok := x["$bytes"]; ok && len(x) == 1 {
			return base64.StdEncoding.DecodeString(b.(string))
		}
		out := make(map[string]interface{}, len(x))
		for k, e := range x {
			g, err := goValue(e)
			if err != nil {
				return nil, err
			}
			out[k] = g
		}
		return out, nil
	case []interface{}:
		out := make([]interface{}, len(x))
		for i, e := range x {
			g, err := goValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = g
		}
		return out, nil
	}
	return v, nil
}

func parseValue(raw json.RawMessage) (interface{}, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v interface{}
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return goValue(v)
}

func keyPairs(keys []*string) ([][]byte, error) {
	out := make([][]byte, len(keys))
	for i, k := range keys {
		if k == nil {
			continue
		}
		b, err := hex.DecodeString(*k)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func serializer(name string) securecookie.Serializer {
	switch name {
	case "gorilla_json":
		// Plain JSONEncoder, as the gorilla docs suggest; cannot do Session.Values.
		return securecookie.JSONEncoder{}
	default:
		return sessionJSON{}
	}
}

func codecs(o *op, ser securecookie.Serializer) ([]securecookie.Codec, error) {
	keys, err := keyPairs(o.Keys)
	if err != nil {
		return nil, err
	}
	cs := securecookie.CodecsFromPairs(keys...)
	for _, c := range cs {
		sc := c.(*securecookie.SecureCookie)
		sc.SetSerializer(ser)
		if o.MaxAge != nil {
			sc.MaxAge(*o.MaxAge)
		}
		if o.MinAge != nil {
			sc.MinAge(*o.MinAge)
		}
		if o.MaxLength != nil {
			sc.MaxLength(*o.MaxLength)
		}
	}
	return cs, nil
}

func sessionOptions(c *cookieOptions) *sessions.Options {
	opts := &sessions.Options{
		Path: c.Path, Domain: c.Domain, MaxAge: c.MaxAge, Secure: c.Secure, HttpOnly: c.HTTPOnly,
	}
	if c.SameSite != nil {
		switch *c.SameSite {
		case "Lax":
			opts.SameSite = http.SameSiteLaxMode
		case "Strict":
			opts.SameSite = http.SameSiteStrictMode
		case "None":
			opts.SameSite = http.SameSiteNoneMode
		}
	}
	return opts
}

// plainMap makes session values printable as JSON.
func plainMap(m map[interface{}]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(m))
	for k, v := range m {
		out[fmt.Sprint(k)] = v
	}
	return out
}

func errString(err error) interface{} {
	if err == nil {
		return nil
	}
	return err.Error()
}

func doEncode(o *op) (result, error) {
	cs, err := codecs(o, securecookie.JSONEncoder{})
	if err != nil {
		return nil, err
	}
	v, err := parseValue(o.Value)
	if err != nil {
		return nil, err
	}
	encoded, err := securecookie.EncodeMulti(o.Name, v, cs...)
	if err != nil {
		return result{"error": err.Error()}, nil
	}
	return result{"cookie": encoded}, nil
}

func doDecode(o *op) (result, error) {
	cs, err := codecs(o, securecookie.JSONEncoder{})
	if err != nil {
		return nil, err
	}
	if o.Into == "raw" {
		var raw json.RawMessage
		if err := securecookie.DecodeMulti(o.Name, o.Cookie, &raw, cs...); err != nil {
			return result{"error": err.Error()}, nil
		}
		return result{"raw_b64": base64.StdEncoding.EncodeToString(raw)}, nil
	}
	var v interface{}
	if err := securecookie.DecodeMulti(o.Name, o.Cookie, &v, cs...); err != nil {
		return result{"error": err.Error()}, nil
	}
	return result{"value": v}, nil
}

func doSerialize(o *op) (result, error) {
	v, err := parseValue(o.Value)
	if err != nil {
		return nil, err
	}
	b, err := securecookie.JSONEncoder{}.Serialize(v)
	if err != nil {
		return result{"error": err.Error()}, nil
	}
	return result{"b64": base64.StdEncoding.EncodeToString(b)}, nil
}

func doDeserialize(o *op) (result, error) {
	data, err := base64.StdEncoding.DecodeString(o.B64)
	if err != nil {
		return nil, err
	}
	var v interface{}
	if err := (securecookie.JSONEncoder{}).Deserialize(data, &v); err != nil {
		return result{"error": err.Error()}, nil
	}
	return result{"value": v}, nil
}

func doNewCookie(o *op) (result, error) {
	return result{"header": sessions.NewCookie(o.Name, o.Cookie, sessionOptions(o.Options)).String()}, nil
}

func newStore(o *op) (sessions.Store, error) {
	keys, err := keyPairs(o.Keys)
	if err != nil {
		return nil, err
	}
	ser := serializer(o.Serializer)
	var cs []securecookie.Codec
	var store sessions.Store
	switch o.Store {
	case "cookie":
		s := sessions.NewCookieStore(keys...)
		if o.Options != nil {
			s.Options = sessionOptions(o.Options)
			s.MaxAge(o.Options.MaxAge)
		}
		cs, store = s.Codecs, s
	case "filesystem":
		s := sessions.NewFilesystemStore(o.Path, keys...)
		if o.Options != nil {
			s.Options = sessionOptions(o.Options)
			s.MaxAge(o.Options.MaxAge)
		}
		cs, store = s.Codecs, s
	default:
		return nil, fmt.Errorf("unknown store %q", o.Store)
	}
	for _, c := range cs {
		c.(*securecookie.SecureCookie).SetSerializer(ser)
	}
	return store, nil
}

func request(cookieHeader string) *http.Request {
	r := httptest.NewRequest("GET", "http://example.com/", nil)
	if cookieHeader != "" {
		r.Header.Set("Cookie", cookieHeader)
	}
	return r
}

func doStoreGet(o *op) (result, error) {
	store, err := newStore(o)
	if err != nil {
		return nil, err
	}
	session, err := store.Get(request(o.CookieHeader), o.Name)
	if session == nil {
		return result{"error": errString(err)}, nil
	}
	res := result{
		"is_new": session.IsNew,
		"error":  errString(err),
		"id":     session.ID,
		"values": plainMap(session.Values),
	}
	flashes := map[string]interface{}{}
	for _, k := range o.FlashKeys {
		flashes[k] = session.Flashes(k)
	}
	res["flashes"] = flashes
	res["values_after_flashes"] = plainMap(session.Values)
	return res, nil
}

func doStoreSave(o *op) (result, error) {
	store, err := newStore(o)
	if err != nil {
		return nil, err
	}
	r := request(o.CookieHeader)
	session, getErr := store.Get(r, o.Name)
	if session == nil {
		return result{"error": errString(getErr)}, nil
	}
	if o.SessionOpts != nil {
		// This session only, as session.Options.MaxAge = -1 in a handler.
		session.Options = sessionOptions(o.SessionOpts)
	}
	for k, raw := range o.Set {
		v, err := parseValue(raw)
		if err != nil {
			return nil, err
		}
		session.Values[k] = v
	}
	for _, k := range o.Delete {
		delete(session.Values, k)
	}
	for _, f := range o.Flashes {
		v, err := parseValue(f.Value)
		if err != nil {
			return nil, err
		}
		session.AddFlash(v, f.Key)
	}
	w := httptest.NewRecorder()
	if err := session.Save(r, w); err != nil {
		return result{"error": err.Error(), "get_error": errString(getErr)}, nil
	}
	return result{
		"set_cookie": w.Header().Values("Set-Cookie"),
		"id":         session.ID,
		"get_error":  errString(getErr),
		"was_new":    session.IsNew,
	}, nil
}

func run(o *op) (result, error) {
	switch o.Op {
	case "encode":
		return doEncode(o)
	case "decode":
		return doDecode(o)
	case "serialize":
		return doSerialize(o)
	case "deserialize":
		return doDeserialize(o)
	case "new_cookie":
		return doNewCookie(o)
	case "store_get":
		return doStoreGet(o)
	case "store_save":
		return doStoreSave(o)
	}
	return nil, fmt.Errorf("unknown op %q", o.Op)
}

func main() {
	var req struct {
		Ops []op `json:"ops"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "gohelper: bad request:", err)
		os.Exit(2)
	}
	results := make([]result, len(req.Ops))
	for i := range req.Ops {
		res, err := run(&req.Ops[i])
		if err != nil {
			// A malformed op is a bug in the test, not a finding: fail loudly.
			fmt.Fprintf(os.Stderr, "gohelper: op %d (%s): %v\n", i, req.Ops[i].Op, err)
			os.Exit(3)
		}
		results[i] = res
	}
	if err := json.NewEncoder(os.Stdout).Encode(map[string]interface{}{"results": results}); err != nil {
		fmt.Fprintln(os.Stderr, "gohelper: cannot write the response:", err)
		os.Exit(4)
	}
}
