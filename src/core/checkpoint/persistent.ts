/**
 * torch.save's persistent ids, the pickle's pointers to data stored outside it:
 *   zip:    ('storage', torch.FloatStorage, key, location, numel)
 *   legacy: ('storage', torch.FloatStorage, key, location, numel, view_metadata)
 *           ('module', ModuleClass, source_file, source)   for torch.save(model)
 */
import { corrupt, unsupported } from './fail';
import { PyGlobal, StorageRef, StorageType, asInt, isTuple, typeName } from './values';

/** Returns the persistentLoad hook; the storages it meets are collected in `storages` by key. */
export function storageLoader(storages: Map<string, StorageRef>): (pid: unknown) => unknown {
  return (pid) => {
    if (!isTuple(pid) || pid.length < 2) throw corrupt(`a persistent id is a ${typeName(pid)}`);
    const kind = pid[0] instanceof Uint8Array ? new TextDecoder().decode(pid[0]) : pid[0];
    if (kind === 'module') return pid[1];
    if (kind !== 'storage' || (pid.length !== 5 && pid.length !== 6)) {
      throw corrupt(`a persistent id has the unknown kind ${String(kind)}`);
    }
    const [, type, key, , numel, view] = pid;
    if (!(type instanceof StorageType)) {
      const name = type instanceof PyGlobal ? type.qualname : typeName(type);
      throw unsupported(
        `it stores tensors in ${name}, a storage type RepOpt Lens does not know`,
        'convert them to float32 first',
      );
    }
    const n = asInt(numel);
    if (typeof key !== 'string' || n === null || n < 0)
      throw corrupt('a storage reference is malformed');
    if (view !== undefined && view !== null) {
      throw unsupported(
        'it uses storage views, which only PyTorch 0.3 and older wrote',
        'load and re-save it with a newer PyTorch',
      );
    }
    const known = storages.get(key);
    if (known) {
      if (known.numel !== n || known.type.itemSize !== type.type.itemSize) {
        throw corrupt(`storage '${key}' is declared twice with different sizes`);
      }
      return known;
    }
    const ref = new StorageRef(key, type.type, n);
    storages.set(key, ref);
    return ref;
  };
}
