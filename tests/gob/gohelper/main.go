// Command gohelper is the Go side of websessions' gob interop tests.
//
// It reads one JSON request per line on stdin and writes one JSON answer
// per line on stdout, until stdin closes. Values travel as typed JSON,
// {"t": "<Go type as reflect prints it>", "v": ...}, so the Python tests
// see the exact Go type of everything:
//
//	ints, uints, floats: v is a decimal string (exact for int64/uint64/NaN)
//	string, []uint8:     v is base64 of the bytes
//	time.Time:           v is RFC 3339 with nanoseconds
//	slices, arrays:      v is a list of typed values
//	maps:                v is a list of [key, value] typed pairs
//	structs:             v is an object of field name -> typed value
//	nil interface:       {"t": "nil"}
//
// Ops: gob-encode, gob-decode (codec level); session (a real gorilla
// CookieStore or FilesystemStore reading and saving one request).
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"reflect"
	"strconv"
	"time"

	"github.com/gorilla/sessions"
)

type Address struct {
	City string
	Zip  string
}

type Person struct {
	Name   string
	Age    int
	Height float64
	Admin  bool
	Tags   []string
	Home   Address
	Meta   map[string]interface{}
	Born   time.Time
	Rank   uint16
	Boss   *Address
}

var types = map[string]reflect.Type{}

func register(values ...interface{}) {
	for _, v := range values {
		t := reflect.TypeOf(v)
		types[t.String()] = t
	}
}

func init() {
	// What a Go service registers to keep these in sessions.
	gob.Register(map[string]interface{}{})
	gob.Register(map[interface{}]interface{}{})
	gob.Register(Person{})
	gob.Register(&Address{})
	gob.Register(time.Time{})
	gob.Register(map[string]string{})
	gob.Register(map[string]int{})
	gob.Register([3]int{})
	gob.Register([][]string{})
	register(
		false, int(0), int8(0), int16(0), int32(0), int64(0),
		uint(0), uint8(0), uint16(0), uint32(0), uint64(0), uintptr(0),
		float32(0), float64(0), complex64(0), complex128(0), "",
		[]byte(nil), []interface{}{}, map[string]interface{}{}, map[interface{}]interface{}{},
		Person{}, Address{}, &Address{}, time.Time{},
		[]string{}, []int{}, []int64{}, []float64{}, []bool{}, []uint16{},
		map[string]string{}, map[string]int{}, [3]int{}, [][]string{},
	)
}

type typed struct {
	T string          `json:"t"`
	V json.RawMessage `json:"v,omitempty"`
}

func fail(format string, args ...interface{}) {
	panic(fmt.Sprintf(format, args...))
}

func build(tv typed) reflect.Value {
	if tv.T == "nil" {
		return reflect.Value{}
	}
	t, ok := types[tv.T]
	if !ok {
		fail("gohelper: unknown type %q", tv.T)
	}
	if t.Kind() == reflect.Ptr {
		inner := build(typed{T: t.Elem().String(), V: tv.V})
		p := reflect.New(t.Elem())
		p.Elem().Set(inner)
		return p
	}
	out := reflect.New(t).Elem()
	var s string
	switch t.Kind() {
	case reflect.Bool:
		var b bool
		must(json.Unmarshal(tv.V, &b))
		out.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		must(json.Unmarshal(tv.V, &s))
		i, err := strconv.ParseInt(s, 10, t.Bits())
		must(err)
		out.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		must(json.Unmarshal(tv.V, &s))
		u, err := strconv.ParseUint(s, 10, t.Bits())
		must(err)
		out.SetUint(u)
	case reflect.Float32, reflect.Float64:
		must(json.Unmarshal(tv.V, &s))
		f, err := strconv.ParseFloat(s, t.Bits())
		must(err)
		out.SetFloat(f)
	case reflect.Complex64, reflect.Complex128:
		var parts [2]string
		must(json.Unmarshal(tv.V, &parts))
		re, err := strconv.ParseFloat(parts[0], 64)
		must(err)
		im, err := strconv.ParseFloat(parts[1], 64)
		must(err)
		out.SetComplex(complex(re, im))
	case reflect.String:
		must(json.Unmarshal(tv.V, &s))
		raw, err := base64.StdEncoding.DecodeString(s)
		must(err)
		out.SetString(string(raw))
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			must(json.Unmarshal(tv.V, &s))
			raw, err := base64.StdEncoding.DecodeString(s)
			must(err)
			out.SetBytes(raw)
			break
		}
		var items []typed
		must(json.Unmarshal(tv.V, &items))
		if t.Kind() == reflect.Slice {
			out.Set(reflect.MakeSlice(t, len(items), len(items)))
		}
		for i, item := range items {
			setTo(out.Index(i), build(item))
		}
	case reflect.Map:
		var pairs [][2]typed
		must(json.Unmarshal(tv.V, &pairs))
		out.Set(reflect.MakeMap(t))
		for _, p := range pairs {
			k, v := build(p[0]), build(p[1])
			if !k.IsValid() {
				k = reflect.Zero(t.Key())
			}
			if !v.IsValid() {
				v = reflect.Zero(t.Elem())
			}
			out.SetMapIndex(k, v)
		}
	case reflect.Struct:
		if t == reflect.TypeOf(time.Time{}) {
			must(json.Unmarshal(tv.V, &s))
			tm, err := time.Parse(time.RFC3339Nano, s)
			must(err)
			out.Set(reflect.ValueOf(tm))
			break
		}
		var fields map[string]typed
		must(json.Unmarshal(tv.V, &fields))
		for name, f := range fields {
			setTo(out.FieldByName(name), build(f))
		}
	default:
		fail("gohelper: cannot build %s", t)
	}
	return out
}

func setTo(dst, v reflect.Value) {
	if v.IsValid() {
		dst.Set(v)
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func raw(v interface{}) json.RawMessage {
	b, err := json.Marshal(v)
	must(err)
	return b
}

func dump(v reflect.Value) typed {
	if !v.IsValid() {
		return typed{T: "nil"}
	}
	if v.Kind() == reflect.Interface {
		if v.IsNil() {
			return typed{T: "nil"}
		}
		return dump(v.Elem())
	}
	t := v.Type()
	out := typed{T: t.String()}
	switch t.Kind() {
	case reflect.Ptr:
		if v.IsNil() {
			return typed{T: "nil"}
		}
		inner := dump(v.Elem())
		out.V = inner.V
	case reflect.Bool:
		out.V = raw(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		out.V = raw(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		out.V = raw(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		out.V = raw(strconv.FormatFloat(v.Float(), 'g', -1, t.Bits()))
	case reflect.Complex64, reflect.Complex128:
		c := v.Complex()
		out.V = raw([2]string{
			strconv.FormatFloat(real(c), 'g', -1, 64), strconv.FormatFloat(imag(c), 'g', -1, 64),
		})
	case reflect.String:
		out.V = raw(base64.StdEncoding.EncodeToString([]byte(v.String())))
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			out.V = raw(base64.StdEncoding.EncodeToString(v.Bytes()))
			break
		}
		items := []typed{}
		for i := 0; i < v.Len(); i++ {
			items = append(items, dump(v.Index(i)))
		}
		out.V = raw(items)
	case reflect.Map:
		pairs := [][2]typed{}
		iter := v.MapRange()
		for iter.Next() {
			pairs = append(pairs, [2]typed{dump(iter.Key()), dump(iter.Value())})
		}
		out.V = raw(pairs)
	case reflect.Struct:
		if tm, ok := v.Interface().(time.Time); ok {
			out.V = raw(tm.Format(time.RFC3339Nano))
			break
		}
		fields := map[string]typed{}
		for i := 0; i < t.NumField(); i++ {
			fields[t.Field(i).Name] = dump(v.Field(i))
		}
		out.V = raw(fields)
	default:
		fail("gohelper: cannot dump %s", t)
	}
	return out
}

type request struct {
	Op   string `json:"op"`
	Data string `json:"data"` // base64 gob bytes
	// gob-encode: the value; gob-decode: "map" (session.Values) or "string" (a session ID)
	Value typed  `json:"value"`
	Into  string `json:"into"`
	// session
	Store       string     `json:"store"` // "cookie" or "fs"
	Dir         string     `json:"dir"`
	Keys        []string   `json:"keys"` // base64; "" is a nil block key
	Name        string     `json:"name"`
	Cookie      string     `json:"cookie"`
	Set         [][2]typed `json:"set"`
	Delete      []typed    `json:"delete"`
	AddFlashes  []typed    `json:"add_flashes"`
	TakeFlashes bool       `json:"take_flashes"`
	Save        bool       `json:"save"`
	MaxAge      *int       `json:"max_age"`
}

type answer struct {
	Error     string     `json:"error,omitempty"`
	Data      string     `json:"data,omitempty"`
	Value     *typed     `json:"value,omitempty"`
	IsNew     bool       `json:"is_new"`
	ID        string     `json:"id,omitempty"`
	Values    [][2]typed `json:"values,omitempty"`
	Flashes   []typed    `json:"flashes,omitempty"`
	SetCookie []string   `json:"set_cookie,omitempty"`
}

func handle(req request) (ans answer) {
	defer func() {
		if r := recover(); r != nil {
			ans = answer{Error: fmt.Sprint("panic: ", r)}
		}
	}()
	switch req.Op {
	case "gob-encode":
		var buf bytes.Buffer
		v := build(req.Value)
		if err := gob.NewEncoder(&buf).EncodeValue(v); err != nil {
			return answer{Error: err.Error()}
		}
		return answer{Data: base64.StdEncoding.EncodeToString(buf.Bytes())}
	case "gob-decode":
		data, err := base64.StdEncoding.DecodeString(req.Data)
		must(err)
		dec := gob.NewDecoder(bytes.NewBuffer(data))
		if req.Into == "string" {
			var s string
			if err := dec.Decode(&s); err != nil {
				return answer{Error: err.Error()}
			}
			d := dump(reflect.ValueOf(s))
			return answer{Value: &d}
		}
		values := map[interface{}]interface{}{}
		if err := dec.Decode(&values); err != nil {
			return answer{Error: err.Error()}
		}
		d := dump(reflect.ValueOf(values))
		return answer{Value: &d}
	case "session":
		return session(req)
	}
	return answer{Error: "unknown op " + req.Op}
}

func session(req request) answer {
	var keys [][]byte
	for _, k := range req.Keys {
		if k == "" {
			keys = append(keys, nil)
			continue
		}
		b, err := base64.StdEncoding.DecodeString(k)
		must(err)
		keys = append(keys, b)
	}
	var store sessions.Store
	if req.Store == "fs" {
		store = sessions.NewFilesystemStore(req.Dir, keys...)
	} else {
		store = sessions.NewCookieStore(keys...)
	}
	r := httptest.NewRequest("GET", "http://example.com/", nil)
	if req.Cookie != "" {
		r.Header.Set("Cookie", req.Name+"="+req.Cookie)
	}
	sess, err := store.Get(r, req.Name)
	ans := answer{IsNew: sess.IsNew, ID: sess.ID}
	if err != nil {
		ans.Error = err.Error()
	}
	if req.TakeFlashes {
		for _, f := range sess.Flashes() {
			ans.Flashes = append(ans.Flashes, dump(reflect.ValueOf(&f).Elem()))
		}
	}
	for k, v := range sess.Values {
		ans.Values = append(ans.Values, [2]typed{
			dump(reflect.ValueOf(&k).Elem()), dump(reflect.ValueOf(&v).Elem()),
		})
	}
	for _, p := range req.Set {
		sess.Values[build(p[0]).Interface()] = valueOf(build(p[1]))
	}
	for _, k := range req.Delete {
		delete(sess.Values, build(k).Interface())
	}
	for _, f := range req.AddFlashes {
		sess.AddFlash(valueOf(build(f)))
	}
	if req.MaxAge != nil {
		sess.Options.MaxAge = *req.MaxAge
	}
	if req.Save {
		w := httptest.NewRecorder()
		if err := sess.Save(r, w); err != nil {
			ans.Error = "save: " + err.Error()
		}
		ans.SetCookie = w.Header()["Set-Cookie"]
		ans.ID = sess.ID
	}
	return ans
}

func valueOf(v reflect.Value) interface{} {
	if !v.IsValid() {
		return nil
	}
	return v.Interface()
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			must(out.Encode(answer{Error: "bad request: " + err.Error()}))
			continue
		}
		must(out.Encode(handle(req)))
	}
	must(in.Err())
}
