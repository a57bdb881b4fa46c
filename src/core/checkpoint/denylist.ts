/**
 * Globals that mark a checkpoint as booby-trapped. Nothing is ever called, whatever the list
 * says; the list exists so such a file is refused with a message naming the trap instead of
 * loading with an inert record in its place. Matching is on Python 3 names (posix.system is
 * os.system on Linux, nt.system on Windows).
 */

/** Whole modules, and their submodules, whose callables run commands, code, I/O or imports. */
const MODULES = [
  // processes and the shell
  'os posix nt subprocess _posixsubprocess pty commands popen2 multiprocessing signal',
  // loading and running code
  'sys runpy importlib imp zipimport pkgutil code codeop pdb bdb timeit trace profile cProfile',
  'pydoc idlelib site',
  // reaching any attribute of anything
  'operator _operator',
  // other deserialisers (a pickle inside a pickle escapes this reader's checks)
  'pickle _pickle cPickle marshal shelve dill cloudpickle joblib yaml',
  // files
  'shutil codecs zipfile tarfile gzip bz2 lzma sqlite3 dbm fileinput',
  // network
  'socket _socket ssl http urllib urllib2 urllib3 requests xmlrpc ftplib smtplib telnetlib',
  'webbrowser asyncio',
  // native code and installers
  'ctypes _ctypes cffi ensurepip pip setuptools distutils venv',
  // the same, in libraries that checkpoints mention
  'logging.config logging.handlers torch.hub torch.package torch.distributed',
  'torch.utils.cpp_extension numpy.testing numpy.f2py numpy.distutils numpy.ctypeslib',
  'numpy.lib.npyio pandas.io.pickle',
].flatMap((group) => group.split(' '));

/** Single names in otherwise harmless modules. */
const NAMES = new Set(
  [
    'builtins.eval builtins.exec builtins.execfile builtins.compile builtins.open builtins.file',
    'builtins.__import__ builtins.getattr builtins.setattr builtins.delattr builtins.globals',
    'builtins.locals builtins.vars builtins.input builtins.raw_input builtins.breakpoint',
    'builtins.exit builtins.quit builtins.help builtins.reload builtins.apply',
    'builtins.__build_class__ builtins.__loader__',
    'types.FunctionType types.LambdaType types.CodeType types.MethodType types.ModuleType',
    'types.new_class',
    'io.open _io.open io.open_code _io.open_code io.FileIO _io.FileIO platform.popen',
    'torch.load torch.serialization.load torch.jit.load torch._C.import_ir_module',
    'numpy.load numpy.fromfile pandas.read_pickle',
  ].flatMap((group) => group.split(' ')),
);

export function isDangerous(module: string, name: string): boolean {
  if (NAMES.has(`${module}.${name}`)) return true;
  return MODULES.some((m) => module === m || module.startsWith(`${m}.`));
}
