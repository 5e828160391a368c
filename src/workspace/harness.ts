/**
 * The Python test harness, shared by the browser worker (visible tests, for the candidate's own feedback) and the
 * server's verification child (visible and hidden tests, the result the scorecard trusts). It runs before the
 * candidate's code, installs an audit hook that refuses the known escape routes (the `js` bridge, sockets,
 * processes, interpreter introspection), then calls the entry function once per test and reports each output as
 * canonical JSON. It never sees expected values: the caller compares, so the candidate's code cannot forge a pass.
 *
 * The audit hook is defence in depth only (Pyodide is not a sandbox): the boundary on the server is the child
 * process itself (empty env, no network namespace, Node's permission model, memory caps, a SIGKILL timer).
 */
export const HARNESS_PY = String.raw`
import sys, json, io, traceback, time

class SandboxViolation(Exception):
    pass

_BLOCKED_IMPORTS = frozenset({
    'js', 'pyodide_js', 'pyodide', 'pyodide.ffi', 'pyodide.code', 'pyodide.http', 'pyodide.webloop', 'pyodide.console',
    '_pyodide', '_pyodide_core', '_pyodide._base', 'micropip', 'socket', '_socket', 'ssl', '_ssl', 'select',
    'selectors', 'subprocess', '_posixsubprocess', 'multiprocessing', 'ctypes', '_ctypes', 'urllib.request',
    'http.client', 'asyncio', 'threading', '_thread', 'signal',
})
_BLOCKED_EVENTS = {
    'os.system': 'running a shell command', 'os.exec': 'starting a program', 'os.posix_spawn': 'starting a program',
    'os.spawn': 'starting a program', 'os.fork': 'forking a process', 'os.forkpty': 'forking a process',
    'os.kill': 'signalling a process', 'subprocess.Popen': 'starting a program',
    'socket.__new__': 'opening a socket', 'socket.connect': 'opening a socket', 'socket.bind': 'opening a socket',
    'socket.getaddrinfo': 'resolving a host name', 'socket.gethostbyname': 'resolving a host name',
    'sys._getframe': 'inspecting the interpreter', 'sys._current_frames': 'inspecting the interpreter',
    'gc.get_objects': 'inspecting the interpreter', 'gc.get_referrers': 'inspecting the interpreter',
    'gc.get_referents': 'inspecting the interpreter', 'sys.setprofile': 'inspecting the interpreter',
    'sys.settrace': 'inspecting the interpreter', 'ctypes.dlopen': 'loading native code',
    'sys.addaudithook': 'changing the sandbox',
}
_violations = []

def __make_hook():
    armed = [False]
    def hook(event, args):
        if not armed[0]:
            return
        what = None
        if event == 'import':
            name = args[0] if args else ''
            if name in _BLOCKED_IMPORTS or name.split('.')[0] in ('js', 'pyodide', '_pyodide', 'pyodide_js', 'micropip'):
                what = 'importing ' + name
        elif event == 'object.__getattr__':
            what = 'inspecting the interpreter'
        elif event in _BLOCKED_EVENTS:
            what = _BLOCKED_EVENTS[event]
        elif event == 'open' and args and isinstance(args[1], str) and any(c in args[1] for c in 'wax+'):
            what = 'writing a file'
        if what is not None:
            _violations.append(what)
            raise SandboxViolation('not allowed in this sandbox: ' + what)
    return hook, armed

__hook, __armed = __make_hook()
sys.addaudithook(__hook)
for __m in list(sys.modules):
    if __m in _BLOCKED_IMPORTS or __m.split('.')[0] in ('js', 'pyodide', '_pyodide', 'pyodide_js', 'micropip'):
        del sys.modules[__m]

_JOB = json.loads(__job_json)
del __job_json
_MAX_OUT = 8000
_ns = {'__name__': '__solution__'}

class _Capped(io.TextIOBase):
    def __init__(self):
        self.parts = []; self.size = 0; self.truncated = False
    def write(self, s):
        s = str(s)
        room = _MAX_OUT - self.size
        if room > 0:
            self.parts.append(s[:room]); self.size += min(len(s), room)
        if len(s) > room:
            self.truncated = True
        return len(s)
    def text(self):
        return ''.join(self.parts) + ('\n[output truncated]' if self.truncated else '')

def _exc(e, skip_harness=True):
    tb = traceback.TracebackException.from_exception(e)
    frames = [f for f in tb.stack if f.filename == '<solution>']
    tb.stack = traceback.StackSummary.from_list(frames)
    text = ''.join(tb.format())
    return {'type': type(e).__name__, 'message': str(e)[:2000], 'traceback': text[-4000:]}

def _kind(e):
    if isinstance(e, SandboxViolation):
        return 'forbidden'
    if isinstance(e, MemoryError):
        return 'memory'
    if isinstance(e, RecursionError):
        return 'recursion'
    if isinstance(e, KeyboardInterrupt):
        return 'interrupted'
    return 'exception'

def _call(fn):
    out, err = _Capped(), _Capped()
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    __armed[0] = True
    try:
        return fn(), None, out, err
    except BaseException as e:
        __armed[0] = False
        return None, e, out, err
    finally:
        __armed[0] = False
        sys.stdout, sys.stderr = old

def __setup():
    try:
        code = compile(_JOB['code'], '<solution>', 'exec')
    except SyntaxError as e:
        return json.dumps({'ok': False, 'kind': 'syntax', 'error': {'type': 'SyntaxError', 'message': str(e.msg), 'line': e.lineno, 'traceback': ''.join(traceback.format_exception_only(type(e), e))[-2000:]}})
    _, e, out, err = _call(lambda: exec(code, _ns))
    if e is not None:
        return json.dumps({'ok': False, 'kind': _kind(e), 'error': _exc(e), 'stdout': out.text(), 'stderr': err.text(), 'violations': list(_violations)})
    entry = _ns.get(_JOB['entry'])
    if not callable(entry):
        return json.dumps({'ok': False, 'kind': 'missing_entry', 'error': {'type': 'NameError', 'message': 'define a function named ' + _JOB['entry'], 'traceback': ''}, 'stdout': out.text(), 'stderr': err.text()})
    return json.dumps({'ok': True, 'stdout': out.text(), 'stderr': err.text(), 'violations': list(_violations)})

def __run_test(i):
    test = _JOB['tests'][i]
    args = json.loads(json.dumps(test['args']))
    entry = _ns[_JOB['entry']]
    t0 = time.perf_counter()
    value, e, out, err = _call(lambda: entry(*args))
    ms = (time.perf_counter() - t0) * 1000
    res = {'stdout': out.text(), 'stderr': err.text(), 'pyMs': round(ms, 2), 'violations': list(_violations)}
    if e is not None:
        res.update({'status': _kind(e), 'error': _exc(e)})
        res['fatal'] = isinstance(e, (SandboxViolation, MemoryError))
        return json.dumps(res)
    try:
        res['output'] = json.dumps(value, sort_keys=True, allow_nan=False)
        res['status'] = 'returned'
    except (TypeError, ValueError) as te:
        res.update({'status': 'unserializable', 'error': {'type': type(te).__name__, 'message': 'the function returned a value that is not plain data: ' + repr(value)[:200], 'traceback': ''}})
    return json.dumps(res)
`;
