// Precompiled protobufjs code for ../onnx.proto (ONNX 1.12.0, Apache-2.0; see ../ATTRIBUTION.md).
// Generated, do not edit: UPDATE_ONNX_STATIC=1 npx vitest run test/onnx-static.test.ts
import $protobuf from 'protobufjs/minimal.js';

const $Reader = $protobuf.Reader,
  $Writer = $protobuf.Writer,
  $util = $protobuf.util;

const $root = $protobuf.roots['default'] || ($protobuf.roots['default'] = {});

export const onnx = ($root.onnx = (() => {
  const onnx = {};

  onnx.Version = (function () {
    const valuesById = {},
      values = Object.create(valuesById);
    values[(valuesById[0] = '_START_VERSION')] = 0;
    values[(valuesById[1] = 'IR_VERSION_2017_10_10')] = 1;
    values[(valuesById[2] = 'IR_VERSION_2017_10_30')] = 2;
    values[(valuesById[3] = 'IR_VERSION_2017_11_3')] = 3;
    values[(valuesById[4] = 'IR_VERSION_2019_1_22')] = 4;
    values[(valuesById[5] = 'IR_VERSION_2019_3_18')] = 5;
    values[(valuesById[6] = 'IR_VERSION_2019_9_19')] = 6;
    values[(valuesById[7] = 'IR_VERSION_2020_5_8')] = 7;
    values[(valuesById[8] = 'IR_VERSION')] = 8;
    return values;
  })();

  onnx.AttributeProto = (function () {
    function AttributeProto(properties) {
      this.floats = [];
      this.ints = [];
      this.strings = [];
      this.tensors = [];
      this.graphs = [];
      this.sparseTensors = [];
      this.typeProtos = [];
      if (properties)
        for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
          if (properties[keys[i]] != null && keys[i] !== '__proto__')
            this[keys[i]] = properties[keys[i]];
    }

    AttributeProto.prototype.name = '';
    AttributeProto.prototype.refAttrName = '';
    AttributeProto.prototype.docString = '';
    AttributeProto.prototype.type = 0;
    AttributeProto.prototype.f = 0;
    AttributeProto.prototype.i = $util.Long ? $util.Long.fromBits(0, 0, false) : 0;
    AttributeProto.prototype.s = $util.newBuffer([]);
    AttributeProto.prototype.t = null;
    AttributeProto.prototype.g = null;
    AttributeProto.prototype.sparseTensor = null;
    AttributeProto.prototype.tp = null;
    AttributeProto.prototype.floats = $util.emptyArray;
    AttributeProto.prototype.ints = $util.emptyArray;
    AttributeProto.prototype.strings = $util.emptyArray;
    AttributeProto.prototype.tensors = $util.emptyArray;
    AttributeProto.prototype.graphs = $util.emptyArray;
    AttributeProto.prototype.sparseTensors = $util.emptyArray;
    AttributeProto.prototype.typeProtos = $util.emptyArray;

    AttributeProto.encode = function encode(message, writer, q) {
      if (!writer) writer = $Writer.create();
      if (q === undefined) q = 0;
      if (q > $util.recursionLimit) throw Error('max depth exceeded');
      if (message.name != null && Object.hasOwnProperty.call(message, 'name'))
        writer.uint32(10).string(message.name);
      if (message.f != null && Object.hasOwnProperty.call(message, 'f'))
        writer.uint32(21).float(message.f);
      if (message.i != null && Object.hasOwnProperty.call(message, 'i'))
        writer.uint32(24).int64(message.i);
      if (message.s != null && Object.hasOwnProperty.call(message, 's'))
        writer.uint32(34).bytes(message.s);
      if (message.t != null && Object.hasOwnProperty.call(message, 't'))
        $root.onnx.TensorProto.encode(message.t, writer.uint32(42).fork(), q + 1).ldelim();
      if (message.g != null && Object.hasOwnProperty.call(message, 'g'))
        $root.onnx.GraphProto.encode(message.g, writer.uint32(50).fork(), q + 1).ldelim();
      if (message.floats != null && message.floats.length)
        for (let i = 0; i < message.floats.length; ++i) writer.uint32(61).float(message.floats[i]);
      if (message.ints != null && message.ints.length)
        for (let i = 0; i < message.ints.length; ++i) writer.uint32(64).int64(message.ints[i]);
      if (message.strings != null && message.strings.length)
        for (let i = 0; i < message.strings.length; ++i)
          writer.uint32(74).bytes(message.strings[i]);
      if (message.tensors != null && message.tensors.length)
        for (let i = 0; i < message.tensors.length; ++i)
          $root.onnx.TensorProto.encode(
            message.tensors[i],
            writer.uint32(82).fork(),
            q + 1,
          ).ldelim();
      if (message.graphs != null && message.graphs.length)
        for (let i = 0; i < message.graphs.length; ++i)
          $root.onnx.GraphProto.encode(message.graphs[i], writer.uint32(90).fork(), q + 1).ldelim();
      if (message.docString != null && Object.hasOwnProperty.call(message, 'docString'))
        writer.uint32(106).string(message.docString);
      if (message.tp != null && Object.hasOwnProperty.call(message, 'tp'))
        $root.onnx.TypeProto.encode(message.tp, writer.uint32(114).fork(), q + 1).ldelim();
      if (message.typeProtos != null && message.typeProtos.length)
        for (let i = 0; i < message.typeProtos.length; ++i)
          $root.onnx.TypeProto.encode(
            message.typeProtos[i],
            writer.uint32(122).fork(),
            q + 1,
          ).ldelim();
      if (message.type != null && Object.hasOwnProperty.call(message, 'type'))
        writer.uint32(160).int32(message.type);
      if (message.refAttrName != null && Object.hasOwnProperty.call(message, 'refAttrName'))
        writer.uint32(170).string(message.refAttrName);
      if (message.sparseTensor != null && Object.hasOwnProperty.call(message, 'sparseTensor'))
        $root.onnx.SparseTensorProto.encode(
          message.sparseTensor,
          writer.uint32(178).fork(),
          q + 1,
        ).ldelim();
      if (message.sparseTensors != null && message.sparseTensors.length)
        for (let i = 0; i < message.sparseTensors.length; ++i)
          $root.onnx.SparseTensorProto.encode(
            message.sparseTensors[i],
            writer.uint32(186).fork(),
            q + 1,
          ).ldelim();
      return writer;
    };

    AttributeProto.decode = function decode(reader, length, error, long) {
      if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
      if (long === undefined) long = 0;
      if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
      let end, message;
      if (length === undefined) end = reader.len;
      else {
        end = reader.pos + length;
        if (end > reader.len) throw RangeError('index out of range');
        length = reader.len;
        reader.len = end;
      }
      message = new $root.onnx.AttributeProto();
      while (reader.pos < end) {
        let tag = reader.uint32();
        if (tag === error) break;
        switch (tag >>> 3) {
          case 1: {
            message.name = reader.string();
            break;
          }
          case 21: {
            message.refAttrName = reader.string();
            break;
          }
          case 13: {
            message.docString = reader.string();
            break;
          }
          case 20: {
            message.type = reader.int32();
            break;
          }
          case 2: {
            message.f = reader.float();
            break;
          }
          case 3: {
            message.i = reader.int64();
            break;
          }
          case 4: {
            message.s = reader.bytes();
            break;
          }
          case 5: {
            message.t = $root.onnx.TensorProto.decode(reader, reader.uint32(), undefined, long + 1);
            break;
          }
          case 6: {
            message.g = $root.onnx.GraphProto.decode(reader, reader.uint32(), undefined, long + 1);
            break;
          }
          case 22: {
            message.sparseTensor = $root.onnx.SparseTensorProto.decode(
              reader,
              reader.uint32(),
              undefined,
              long + 1,
            );
            break;
          }
          case 14: {
            message.tp = $root.onnx.TypeProto.decode(reader, reader.uint32(), undefined, long + 1);
            break;
          }
          case 7: {
            if (!(message.floats && message.floats.length)) message.floats = [];
            if ((tag & 7) === 2) {
              let end2 = reader.uint32() + reader.pos;
              if (end2 > reader.len) throw RangeError('index out of range');
              reader.len = end2;
              while (reader.pos < end2) message.floats.push(reader.float());
              if (reader.pos !== end2) throw RangeError('index out of range');
              reader.len = end;
            } else message.floats.push(reader.float());
            break;
          }
          case 8: {
            if (!(message.ints && message.ints.length)) message.ints = [];
            if ((tag & 7) === 2) {
              let end2 = reader.uint32() + reader.pos;
              if (end2 > reader.len) throw RangeError('index out of range');
              reader.len = end2;
              while (reader.pos < end2) message.ints.push(reader.int64());
              if (reader.pos !== end2) throw RangeError('index out of range');
              reader.len = end;
            } else message.ints.push(reader.int64());
            break;
          }
          case 9: {
            if (!(message.strings && message.strings.length)) message.strings = [];
            message.strings.push(reader.bytes());
            break;
          }
          case 10: {
            if (!(message.tensors && message.tensors.length)) message.tensors = [];
            message.tensors.push(
              $root.onnx.TensorProto.decode(reader, reader.uint32(), undefined, long + 1),
            );
            break;
          }
          case 11: {
            if (!(message.graphs && message.graphs.length)) message.graphs = [];
            message.graphs.push(
              $root.onnx.GraphProto.decode(reader, reader.uint32(), undefined, long + 1),
            );
            break;
          }
          case 23: {
            if (!(message.sparseTensors && message.sparseTensors.length))
              message.sparseTensors = [];
            message.sparseTensors.push(
              $root.onnx.SparseTensorProto.decode(reader, reader.uint32(), undefined, long + 1),
            );
            break;
          }
          case 15: {
            if (!(message.typeProtos && message.typeProtos.length)) message.typeProtos = [];
            message.typeProtos.push(
              $root.onnx.TypeProto.decode(reader, reader.uint32(), undefined, long + 1),
            );
            break;
          }
          default:
            reader.skipType(tag & 7, long);
            break;
        }
      }
      if (length !== undefined) {
        if (reader.pos !== end) throw RangeError('index out of range');
        reader.len = length;
      }
      return message;
    };

    AttributeProto.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
      if (typeUrlPrefix === undefined) {
        typeUrlPrefix = 'type.googleapis.com';
      }
      return typeUrlPrefix + '/onnx.AttributeProto';
    };

    AttributeProto.AttributeType = (function () {
      const valuesById = {},
        values = Object.create(valuesById);
      values[(valuesById[0] = 'UNDEFINED')] = 0;
      values[(valuesById[1] = 'FLOAT')] = 1;
      values[(valuesById[2] = 'INT')] = 2;
      values[(valuesById[3] = 'STRING')] = 3;
      values[(valuesById[4] = 'TENSOR')] = 4;
      values[(valuesById[5] = 'GRAPH')] = 5;
      values[(valuesById[11] = 'SPARSE_TENSOR')] = 11;
      values[(valuesById[13] = 'TYPE_PROTO')] = 13;
      values[(valuesById[6] = 'FLOATS')] = 6;
      values[(valuesById[7] = 'INTS')] = 7;
      values[(valuesById[8] = 'STRINGS')] = 8;
      values[(valuesById[9] = 'TENSORS')] = 9;
      values[(valuesById[10] = 'GRAPHS')] = 10;
      values[(valuesById[12] = 'SPARSE_TENSORS')] = 12;
      values[(valuesById[14] = 'TYPE_PROTOS')] = 14;
      return values;
    })();

    return AttributeProto;
  })();

  onnx.ValueInfoProto = (function () {
    function ValueInfoProto(properties) {
      if (properties)
        for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
          if (properties[keys[i]] != null && keys[i] !== '__proto__')
            this[keys[i]] = properties[keys[i]];
    }

    ValueInfoProto.prototype.name = '';
    ValueInfoProto.prototype.type = null;
    ValueInfoProto.prototype.docString = '';

    ValueInfoProto.encode = function encode(message, writer, q) {
      if (!writer) writer = $Writer.create();
      if (q === undefined) q = 0;
      if (q > $util.recursionLimit) throw Error('max depth exceeded');
      if (message.name != null && Object.hasOwnProperty.call(message, 'name'))
        writer.uint32(10).string(message.name);
      if (message.type != null && Object.hasOwnProperty.call(message, 'type'))
        $root.onnx.TypeProto.encode(message.type, writer.uint32(18).fork(), q + 1).ldelim();
      if (message.docString != null && Object.hasOwnProperty.call(message, 'docString'))
        writer.uint32(26).string(message.docString);
      return writer;
    };

    ValueInfoProto.decode = function decode(reader, length, error, long) {
      if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
      if (long === undefined) long = 0;
      if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
      let end, message;
      if (length === undefined) end = reader.len;
      else {
        end = reader.pos + length;
        if (end > reader.len) throw RangeError('index out of range');
        length = reader.len;
        reader.len = end;
      }
      message = new $root.onnx.ValueInfoProto();
      while (reader.pos < end) {
        let tag = reader.uint32();
        if (tag === error) break;
        switch (tag >>> 3) {
          case 1: {
            message.name = reader.string();
            break;
          }
          case 2: {
            message.type = $root.onnx.TypeProto.decode(
              reader,
              reader.uint32(),
              undefined,
              long + 1,
            );
            break;
          }
          case 3: {
            message.docString = reader.string();
            break;
          }
          default:
            reader.skipType(tag & 7, long);
            break;
        }
      }
      if (length !== undefined) {
        if (reader.pos !== end) throw RangeError('index out of range');
        reader.len = length;
      }
      return message;
    };

    ValueInfoProto.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
      if (typeUrlPrefix === undefined) {
        typeUrlPrefix = 'type.googleapis.com';
      }
      return typeUrlPrefix + '/onnx.ValueInfoProto';
    };

    return ValueInfoProto;
  })();

  onnx.NodeProto = (function () {
    function NodeProto(properties) {
      this.input = [];
      this.output = [];
      this.attribute = [];
      if (properties)
        for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
          if (properties[keys[i]] != null && keys[i] !== '__proto__')
            this[keys[i]] = properties[keys[i]];
    }

    NodeProto.prototype.input = $util.emptyArray;
    NodeProto.prototype.output = $util.emptyArray;
    NodeProto.prototype.name = '';
    NodeProto.prototype.opType = '';
    NodeProto.prototype.domain = '';
    NodeProto.prototype.attribute = $util.emptyArray;
    NodeProto.prototype.docString = '';

    NodeProto.encode = function encode(message, writer, q) {
      if (!writer) writer = $Writer.create();
      if (q === undefined) q = 0;
      if (q > $util.recursionLimit) throw Error('max depth exceeded');
      if (message.input != null && message.input.length)
        for (let i = 0; i < message.input.length; ++i) writer.uint32(10).string(message.input[i]);
      if (message.output != null && message.output.length)
        for (let i = 0; i < message.output.length; ++i) writer.uint32(18).string(message.output[i]);
      if (message.name != null && Object.hasOwnProperty.call(message, 'name'))
        writer.uint32(26).string(message.name);
      if (message.opType != null && Object.hasOwnProperty.call(message, 'opType'))
        writer.uint32(34).string(message.opType);
      if (message.attribute != null && message.attribute.length)
        for (let i = 0; i < message.attribute.length; ++i)
          $root.onnx.AttributeProto.encode(
            message.attribute[i],
            writer.uint32(42).fork(),
            q + 1,
          ).ldelim();
      if (message.docString != null && Object.hasOwnProperty.call(message, 'docString'))
        writer.uint32(50).string(message.docString);
      if (message.domain != null && Object.hasOwnProperty.call(message, 'domain'))
        writer.uint32(58).string(message.domain);
      return writer;
    };

    NodeProto.decode = function decode(reader, length, error, long) {
      if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
      if (long === undefined) long = 0;
      if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
      let end, message;
      if (length === undefined) end = reader.len;
      else {
        end = reader.pos + length;
        if (end > reader.len) throw RangeError('index out of range');
        length = reader.len;
        reader.len = end;
      }
      message = new $root.onnx.NodeProto();
      while (reader.pos < end) {
        let tag = reader.uint32();
        if (tag === error) break;
        switch (tag >>> 3) {
          case 1: {
            if (!(message.input && message.input.length)) message.input = [];
            message.input.push(reader.string());
            break;
          }
          case 2: {
            if (!(message.output && message.output.length)) message.output = [];
            message.output.push(reader.string());
            break;
          }
          case 3: {
            message.name = reader.string();
            break;
          }
          case 4: {
            message.opType = reader.string();
            break;
          }
          case 7: {
            message.domain = reader.string();
            break;
          }
          case 5: {
            if (!(message.attribute && message.attribute.length)) message.attribute = [];
            message.attribute.push(
              $root.onnx.AttributeProto.decode(reader, reader.uint32(), undefined, long + 1),
            );
            break;
          }
          case 6: {
            message.docString = reader.string();
            break;
          }
          default:
            reader.skipType(tag & 7, long);
            break;
        }
      }
      if (length !== undefined) {
        if (reader.pos !== end) throw RangeError('index out of range');
        reader.len = length;
      }
      return message;
    };

    NodeProto.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
      if (typeUrlPrefix === undefined) {
        typeUrlPrefix = 'type.googleapis.com';
      }
      return typeUrlPrefix + '/onnx.NodeProto';
    };

    return NodeProto;
  })();

  onnx.TrainingInfoProto = (function () {
    function TrainingInfoProto(properties) {
      this.initializationBinding = [];
      this.updateBinding = [];
      if (properties)
        for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
          if (properties[keys[i]] != null && keys[i] !== '__proto__')
            this[keys[i]] = properties[keys[i]];
    }

    TrainingInfoProto.prototype.initialization = null;
    TrainingInfoProto.prototype.algorithm = null;
    TrainingInfoProto.prototype.initializationBinding = $util.emptyArray;
    TrainingInfoProto.prototype.updateBinding = $util.emptyArray;

    TrainingInfoProto.encode = function encode(message, writer, q) {
      if (!writer) writer = $Writer.create();
      if (q === undefined) q = 0;
      if (q > $util.recursionLimit) throw Error('max depth exceeded');
      if (message.initialization != null && Object.hasOwnProperty.call(message, 'initialization'))
        $root.onnx.GraphProto.encode(
          message.initialization,
          writer.uint32(10).fork(),
          q + 1,
        ).ldelim();
      if (message.algorithm != null && Object.hasOwnProperty.call(message, 'algorithm'))
        $root.onnx.GraphProto.encode(message.algorithm, writer.uint32(18).fork(), q + 1).ldelim();
      if (message.initializationBinding != null && message.initializationBinding.length)
        for (let i = 0; i < message.initializationBinding.length; ++i)
          $root.onnx.StringStringEntryProto.encode(
            message.initializationBinding[i],
            writer.uint32(26).fork(),
            q + 1,
          ).ldelim();
      if (message.updateBinding != null && message.updateBinding.length)
        for (let i = 0; i < message.updateBinding.length; ++i)
          $root.onnx.StringStringEntryProto.encode(
            message.updateBinding[i],
            writer.uint32(34).fork(),
            q + 1,
          ).ldelim();
      return writer;
    };

    TrainingInfoProto.decode = function decode(reader, length, error, long) {
      if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
      if (long === undefined) long = 0;
      if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
      let end, message;
      if (length === undefined) end = reader.len;
      else {
        end = reader.pos + length;
        if (end > reader.len) throw RangeError('index out of range');
        length = reader.len;
        reader.len = end;
      }
      message = new $root.onnx.TrainingInfoProto();
      while (reader.pos < end) {
        let tag = reader.uint32();
        if (tag === error) break;
        switch (tag >>> 3) {
          case 1: {
            message.initialization = $root.onnx.GraphProto.decode(
              reader,
              reader.uint32(),
              undefined,
              long + 1,
            );
            break;
          }
          case 2: {
            message.algorithm = $root.onnx.GraphProto.decode(
              reader,
              reader.uint32(),
              undefined,
              long + 1,
            );
            break;
          }
          case 3: {
            if (!(message.initializationBinding && message.initializationBinding.length))
              message.initializationBinding = [];
            message.initializationBinding.push(
              $root.onnx.StringStringEntryProto.decode(
                reader,
                reader.uint32(),
                undefined,
                long + 1,
              ),
            );
            break;
          }
          case 4: {
            if (!(message.updateBinding && message.updateBinding.length))
              message.updateBinding = [];
            message.updateBinding.push(
              $root.onnx.StringStringEntryProto.decode(
                reader,
                reader.uint32(),
                undefined,
                long + 1,
              ),
            );
            break;
          }
          default:
            reader.skipType(tag & 7, long);
            break;
        }
      }
      if (length !== undefined) {
        if (reader.pos !== end) throw RangeError('index out of range');
        reader.len = length;
      }
      return message;
    };

    TrainingInfoProto.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
      if (typeUrlPrefix === undefined) {
        typeUrlPrefix = 'type.googleapis.com';
      }
      return typeUrlPrefix + '/onnx.TrainingInfoProto';
    };

    return TrainingInfoProto;
  })();

  onnx.ModelProto = (function () {
    function ModelProto(properties) {
      this.opsetImport = [];
      this.metadataProps = [];
      this.trainingInfo = [];
      this.functions = [];
      if (properties)
        for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
          if (properties[keys[i]] != null && keys[i] !== '__proto__')
            this[keys[i]] = properties[keys[i]];
    }

    ModelProto.prototype.irVersion = $util.Long ? $util.Long.fromBits(0, 0, false) : 0;
    ModelProto.prototype.opsetImport = $util.emptyArray;
    ModelProto.prototype.producerName = '';
    ModelProto.prototype.producerVersion = '';
    ModelProto.prototype.domain = '';
    ModelProto.prototype.modelVersion = $util.Long ? $util.Long.fromBits(0, 0, false) : 0;
    ModelProto.prototype.docString = '';
    ModelProto.prototype.graph = null;
    ModelProto.prototype.metadataProps = $util.emptyArray;
    ModelProto.prototype.trainingInfo = $util.emptyArray;
    ModelProto.prototype.functions = $util.emptyArray;

    ModelProto.encode = function encode(message, writer, q) {
      if (!writer) writer = $Writer.create();
      if (q === undefined) q = 0;
      if (q > $util.recursionLimit) throw Error('max depth exceeded');
      if (message.irVersion != null && Object.hasOwnProperty.call(message, 'irVersion'))
        writer.uint32(8).int64(message.irVersion);
      if (message.producerName != null && Object.hasOwnProperty.call(message, 'producerName'))
        writer.uint32(18).string(message.producerName);
      if (message.producerVersion != null && Object.hasOwnProperty.call(message, 'producerVersion'))
        writer.uint32(26).string(message.producerVersion);
      if (message.domain != null && Object.hasOwnProperty.call(message, 'domain'))
        writer.uint32(34).string(message.domain);
      if (message.modelVersion != null && Object.hasOwnProperty.call(message, 'modelVersion'))
        writer.uint32(40).int64(message.modelVersion);
      if (message.docString != null && Object.hasOwnProperty.call(message, 'docString'))
        writer.uint32(50).string(message.docString);
      if (message.graph != null && Object.hasOwnProperty.call(message, 'graph'))
        $root.onnx.GraphProto.encode(message.graph, writer.uint32(58).fork(), q + 1).ldelim();
      if (message.opsetImport != null && message.opsetImport.length)
        for (let i = 0; i < message.opsetImport.length; ++i)
          $root.onnx.OperatorSetIdProto.encode(
            message.opsetImport[i],
            writer.uint32(66).fork(),
            q + 1,
          ).ldelim();
      if (message.metadataProps != null && message.metadataProps.length)
        for (let i = 0; i < message.metadataProps.length; ++i)
          $root.onnx.StringStringEntryProto.encode(
            message.metadataProps[i],
            writer.uint32(114).fork(),
            q + 1,
          ).ldelim();
      if (message.trainingInfo != null && message.trainingInfo.length)
        for (let i = 0; i < message.trainingInfo.length; ++i)
          $root.onnx.TrainingInfoProto.encode(
            message.trainingInfo[i],
            writer.uint32(162).fork(),
            q + 1,
          ).ldelim();
      if (message.functions != null && message.functions.length)
        for (let i = 0; i < message.functions.length; ++i)
          $root.onnx.FunctionProto.encode(
            message.functions[i],
            writer.uint32(202).fork(),
            q + 1,
          ).ldelim();
      return writer;
    };

    ModelProto.decode = function decode(reader, length, error, long) {
      if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
      if (long === undefined) long = 0;
      if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
      let end, message;
      if (length === undefined) end = reader.len;
      else {
        end = reader.pos + length;
        if (end > reader.len) throw RangeError('index out of range');
        length = reader.len;
        reader.len = end;
      }
      message = new $root.onnx.ModelProto();
      while (reader.pos < end) {
        let tag = reader.uint32();
        if (tag === error) break;
        switch (tag >>> 3) {
          case 1: {
            message.irVersion = reader.int64();
            break;
          }
          case 8: {
            if (!(message.opsetImport && message.opsetImport.length)) message.opsetImport = [];
            message.opsetImport.push(
              $root.onnx.OperatorSetIdProto.decode(reader, reader.uint32(), undefined, long + 1),
            );
            break;
          }
          case 2: {
            message.producerName = reader.string();
            break;
          }
          case 3: {
            message.producerVersion = reader.string();
            break;
          }
          case 4: {
            message.domain = reader.string();
            break;
          }
          case 5: {
            message.modelVersion = reader.int64();
            break;
          }
          case 6: {
            message.docString = reader.string();
            break;
          }
          case 7: {
            message.graph = $root.onnx.GraphProto.decode(
              reader,
              reader.uint32(),
              undefined,
              long + 1,
            );
            break;
          }
          case 14: {
            if (!(message.metadataProps && message.metadataProps.length))
              message.metadataProps = [];
            message.metadataProps.push(
              $root.onnx.StringStringEntryProto.decode(
                reader,
                reader.uint32(),
                undefined,
                long + 1,
              ),
            );
            break;
          }
          case 20: {
            if (!(message.trainingInfo && message.trainingInfo.length)) message.trainingInfo = [];
            message.trainingInfo.push(
              $root.onnx.TrainingInfoProto.decode(reader, reader.uint32(), undefined, long + 1),
            );
            break;
          }
          case 25: {
            if (!(message.functions && message.functions.length)) message.functions = [];
            message.functions.push(
              $root.onnx.FunctionProto.decode(reader, reader.uint32(), undefined, long + 1),
            );
            break;
          }
          default:
            reader.skipType(tag & 7, long);
            break;
        }
      }
      if (length !== undefined) {
        if (reader.pos !== end) throw RangeError('index out of range');
        reader.len = length;
      }
      return message;
    };

    ModelProto.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
      if (typeUrlPrefix === undefined) {
        typeUrlPrefix = 'type.googleapis.com';
      }
      return typeUrlPrefix + '/onnx.ModelProto';
    };

    return ModelProto;
  })();

  onnx.StringStringEntryProto = (function () {
    function StringStringEntryProto(properties) {
      if (properties)
        for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
          if (properties[keys[i]] != null && keys[i] !== '__proto__')
            this[keys[i]] = properties[keys[i]];
    }

    StringStringEntryProto.prototype.key = '';
    StringStringEntryProto.prototype.value = '';

    StringStringEntryProto.encode = function encode(message, writer, q) {
      if (!writer) writer = $Writer.create();
      if (q === undefined) q = 0;
      if (q > $util.recursionLimit) throw Error('max depth exceeded');
      if (message.key != null && Object.hasOwnProperty.call(message, 'key'))
        writer.uint32(10).string(message.key);
      if (message.value != null && Object.hasOwnProperty.call(message, 'value'))
        writer.uint32(18).string(message.value);
      return writer;
    };

    StringStringEntryProto.decode = function decode(reader, length, error, long) {
      if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
      if (long === undefined) long = 0;
      if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
      let end, message;
      if (length === undefined) end = reader.len;
      else {
        end = reader.pos + length;
        if (end > reader.len) throw RangeError('index out of range');
        length = reader.len;
        reader.len = end;
      }
      message = new $root.onnx.StringStringEntryProto();
      while (reader.pos < end) {
        let tag = reader.uint32();
        if (tag === error) break;
        switch (tag >>> 3) {
          case 1: {
            message.key = reader.string();
            break;
          }
          case 2: {
            message.value = reader.string();
            break;
          }
          default:
            reader.skipType(tag & 7, long);
            break;
        }
      }
      if (length !== undefined) {
        if (reader.pos !== end) throw RangeError('index out of range');
        reader.len = length;
      }
      return message;
    };

    StringStringEntryProto.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
      if (typeUrlPrefix === undefined) {
        typeUrlPrefix = 'type.googleapis.com';
      }
      return typeUrlPrefix + '/onnx.StringStringEntryProto';
    };

    return StringStringEntryProto;
  })();

  onnx.TensorAnnotation = (function () {
    function TensorAnnotation(properties) {
      this.quantParameterTensorNames = [];
      if (properties)
        for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
          if (properties[keys[i]] != null && keys[i] !== '__proto__')
            this[keys[i]] = properties[keys[i]];
    }

    TensorAnnotation.prototype.tensorName = '';
    TensorAnnotation.prototype.quantParameterTensorNames = $util.emptyArray;

    TensorAnnotation.encode = function encode(message, writer, q) {
      if (!writer) writer = $Writer.create();
      if (q === undefined) q = 0;
      if (q > $util.recursionLimit) throw Error('max depth exceeded');
      if (message.tensorName != null && Object.hasOwnProperty.call(message, 'tensorName'))
        writer.uint32(10).string(message.tensorName);
      if (message.quantParameterTensorNames != null && message.quantParameterTensorNames.length)
        for (let i = 0; i < message.quantParameterTensorNames.length; ++i)
          $root.onnx.StringStringEntryProto.encode(
            message.quantParameterTensorNames[i],
            writer.uint32(18).fork(),
            q + 1,
          ).ldelim();
      return writer;
    };

    TensorAnnotation.decode = function decode(reader, length, error, long) {
      if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
      if (long === undefined) long = 0;
      if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
      let end, message;
      if (length === undefined) end = reader.len;
      else {
        end = reader.pos + length;
        if (end > reader.len) throw RangeError('index out of range');
        length = reader.len;
        reader.len = end;
      }
      message = new $root.onnx.TensorAnnotation();
      while (reader.pos < end) {
        let tag = reader.uint32();
        if (tag === error) break;
        switch (tag >>> 3) {
          case 1: {
            message.tensorName = reader.string();
            break;
          }
          case 2: {
            if (!(message.quantParameterTensorNames && message.quantParameterTensorNames.length))
              message.quantParameterTensorNames = [];
            message.quantParameterTensorNames.push(
              $root.onnx.StringStringEntryProto.decode(
                reader,
                reader.uint32(),
                undefined,
                long + 1,
              ),
            );
            break;
          }
          default:
            reader.skipType(tag & 7, long);
            break;
        }
      }
      if (length !== undefined) {
        if (reader.pos !== end) throw RangeError('index out of range');
        reader.len = length;
      }
      return message;
    };

    TensorAnnotation.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
      if (typeUrlPrefix === undefined) {
        typeUrlPrefix = 'type.googleapis.com';
      }
      return typeUrlPrefix + '/onnx.TensorAnnotation';
    };

    return TensorAnnotation;
  })();

  onnx.GraphProto = (function () {
    function GraphProto(properties) {
      this.node = [];
      this.initializer = [];
      this.sparseInitializer = [];
      this.input = [];
      this.output = [];
      this.valueInfo = [];
      this.quantizationAnnotation = [];
      if (properties)
        for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
          if (properties[keys[i]] != null && keys[i] !== '__proto__')
            this[keys[i]] = properties[keys[i]];
    }

    GraphProto.prototype.node = $util.emptyArray;
    GraphProto.prototype.name = '';
    GraphProto.prototype.initializer = $util.emptyArray;
    GraphProto.prototype.sparseInitializer = $util.emptyArray;
    GraphProto.prototype.docString = '';
    GraphProto.prototype.input = $util.emptyArray;
    GraphProto.prototype.output = $util.emptyArray;
    GraphProto.prototype.valueInfo = $util.emptyArray;
    GraphProto.prototype.quantizationAnnotation = $util.emptyArray;

    GraphProto.encode = function encode(message, writer, q) {
      if (!writer) writer = $Writer.create();
      if (q === undefined) q = 0;
      if (q > $util.recursionLimit) throw Error('max depth exceeded');
      if (message.node != null && message.node.length)
        for (let i = 0; i < message.node.length; ++i)
          $root.onnx.NodeProto.encode(message.node[i], writer.uint32(10).fork(), q + 1).ldelim();
      if (message.name != null && Object.hasOwnProperty.call(message, 'name'))
        writer.uint32(18).string(message.name);
      if (message.initializer != null && message.initializer.length)
        for (let i = 0; i < message.initializer.length; ++i)
          $root.onnx.TensorProto.encode(
            message.initializer[i],
            writer.uint32(42).fork(),
            q + 1,
          ).ldelim();
      if (message.docString != null && Object.hasOwnProperty.call(message, 'docString'))
        writer.uint32(82).string(message.docString);
      if (message.input != null && message.input.length)
        for (let i = 0; i < message.input.length; ++i)
          $root.onnx.ValueInfoProto.encode(
            message.input[i],
            writer.uint32(90).fork(),
            q + 1,
          ).ldelim();
      if (message.output != null && message.output.length)
        for (let i = 0; i < message.output.length; ++i)
          $root.onnx.ValueInfoProto.encode(
            message.output[i],
            writer.uint32(98).fork(),
            q + 1,
          ).ldelim();
      if (message.valueInfo != null && message.valueInfo.length)
        for (let i = 0; i < message.valueInfo.length; ++i)
          $root.onnx.ValueInfoProto.encode(
            message.valueInfo[i],
            writer.uint32(106).fork(),
            q + 1,
          ).ldelim();
      if (message.quantizationAnnotation != null && message.quantizationAnnotation.length)
        for (let i = 0; i < message.quantizationAnnotation.length; ++i)
          $root.onnx.TensorAnnotation.encode(
            message.quantizationAnnotation[i],
            writer.uint32(114).fork(),
            q + 1,
          ).ldelim();
      if (message.sparseInitializer != null && message.sparseInitializer.length)
        for (let i = 0; i < message.sparseInitializer.length; ++i)
          $root.onnx.SparseTensorProto.encode(
            message.sparseInitializer[i],
            writer.uint32(122).fork(),
            q + 1,
          ).ldelim();
      return writer;
    };

    GraphProto.decode = function decode(reader, length, error, long) {
      if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
      if (long === undefined) long = 0;
      if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
      let end, message;
      if (length === undefined) end = reader.len;
      else {
        end = reader.pos + length;
        if (end > reader.len) throw RangeError('index out of range');
        length = reader.len;
        reader.len = end;
      }
      message = new $root.onnx.GraphProto();
      while (reader.pos < end) {
        let tag = reader.uint32();
        if (tag === error) break;
        switch (tag >>> 3) {
          case 1: {
            if (!(message.node && message.node.length)) message.node = [];
            message.node.push(
              $root.onnx.NodeProto.decode(reader, reader.uint32(), undefined, long + 1),
            );
            break;
          }
          case 2: {
            message.name = reader.string();
            break;
          }
          case 5: {
            if (!(message.initializer && message.initializer.length)) message.initializer = [];
            message.initializer.push(
              $root.onnx.TensorProto.decode(reader, reader.uint32(), undefined, long + 1),
            );
            break;
          }
          case 15: {
            if (!(message.sparseInitializer && message.sparseInitializer.length))
              message.sparseInitializer = [];
            message.sparseInitializer.push(
              $root.onnx.SparseTensorProto.decode(reader, reader.uint32(), undefined, long + 1),
            );
            break;
          }
          case 10: {
            message.docString = reader.string();
            break;
          }
          case 11: {
            if (!(message.input && message.input.length)) message.input = [];
            message.input.push(
              $root.onnx.ValueInfoProto.decode(reader, reader.uint32(), undefined, long + 1),
            );
            break;
          }
          case 12: {
            if (!(message.output && message.output.length)) message.output = [];
            message.output.push(
              $root.onnx.ValueInfoProto.decode(reader, reader.uint32(), undefined, long + 1),
            );
            break;
          }
          case 13: {
            if (!(message.valueInfo && message.valueInfo.length)) message.valueInfo = [];
            message.valueInfo.push(
              $root.onnx.ValueInfoProto.decode(reader, reader.uint32(), undefined, long + 1),
            );
            break;
          }
          case 14: {
            if (!(message.quantizationAnnotation && message.quantizationAnnotation.length))
              message.quantizationAnnotation = [];
            message.quantizationAnnotation.push(
              $root.onnx.TensorAnnotation.decode(reader, reader.uint32(), undefined, long + 1),
            );
            break;
          }
          default:
            reader.skipType(tag & 7, long);
            break;
        }
      }
      if (length !== undefined) {
        if (reader.pos !== end) throw RangeError('index out of range');
        reader.len = length;
      }
      return message;
    };

    GraphProto.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
      if (typeUrlPrefix === undefined) {
        typeUrlPrefix = 'type.googleapis.com';
      }
      return typeUrlPrefix + '/onnx.GraphProto';
    };

    return GraphProto;
  })();

  onnx.TensorProto = (function () {
    function TensorProto(properties) {
      this.dims = [];
      this.floatData = [];
      this.int32Data = [];
      this.stringData = [];
      this.int64Data = [];
      this.externalData = [];
      this.doubleData = [];
      this.uint64Data = [];
      if (properties)
        for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
          if (properties[keys[i]] != null && keys[i] !== '__proto__')
            this[keys[i]] = properties[keys[i]];
    }

    TensorProto.prototype.dims = $util.emptyArray;
    TensorProto.prototype.dataType = 0;
    TensorProto.prototype.segment = null;
    TensorProto.prototype.floatData = $util.emptyArray;
    TensorProto.prototype.int32Data = $util.emptyArray;
    TensorProto.prototype.stringData = $util.emptyArray;
    TensorProto.prototype.int64Data = $util.emptyArray;
    TensorProto.prototype.name = '';
    TensorProto.prototype.docString = '';
    TensorProto.prototype.rawData = $util.newBuffer([]);
    TensorProto.prototype.externalData = $util.emptyArray;
    TensorProto.prototype.dataLocation = 0;
    TensorProto.prototype.doubleData = $util.emptyArray;
    TensorProto.prototype.uint64Data = $util.emptyArray;

    TensorProto.encode = function encode(message, writer, q) {
      if (!writer) writer = $Writer.create();
      if (q === undefined) q = 0;
      if (q > $util.recursionLimit) throw Error('max depth exceeded');
      if (message.dims != null && message.dims.length)
        for (let i = 0; i < message.dims.length; ++i) writer.uint32(8).int64(message.dims[i]);
      if (message.dataType != null && Object.hasOwnProperty.call(message, 'dataType'))
        writer.uint32(16).int32(message.dataType);
      if (message.segment != null && Object.hasOwnProperty.call(message, 'segment'))
        $root.onnx.TensorProto.Segment.encode(
          message.segment,
          writer.uint32(26).fork(),
          q + 1,
        ).ldelim();
      if (message.floatData != null && message.floatData.length) {
        writer.uint32(34).fork();
        for (let i = 0; i < message.floatData.length; ++i) writer.float(message.floatData[i]);
        writer.ldelim();
      }
      if (message.int32Data != null && message.int32Data.length) {
        writer.uint32(42).fork();
        for (let i = 0; i < message.int32Data.length; ++i) writer.int32(message.int32Data[i]);
        writer.ldelim();
      }
      if (message.stringData != null && message.stringData.length)
        for (let i = 0; i < message.stringData.length; ++i)
          writer.uint32(50).bytes(message.stringData[i]);
      if (message.int64Data != null && message.int64Data.length) {
        writer.uint32(58).fork();
        for (let i = 0; i < message.int64Data.length; ++i) writer.int64(message.int64Data[i]);
        writer.ldelim();
      }
      if (message.name != null && Object.hasOwnProperty.call(message, 'name'))
        writer.uint32(66).string(message.name);
      if (message.rawData != null && Object.hasOwnProperty.call(message, 'rawData'))
        writer.uint32(74).bytes(message.rawData);
      if (message.doubleData != null && message.doubleData.length) {
        writer.uint32(82).fork();
        for (let i = 0; i < message.doubleData.length; ++i) writer.double(message.doubleData[i]);
        writer.ldelim();
      }
      if (message.uint64Data != null && message.uint64Data.length) {
        writer.uint32(90).fork();
        for (let i = 0; i < message.uint64Data.length; ++i) writer.uint64(message.uint64Data[i]);
        writer.ldelim();
      }
      if (message.docString != null && Object.hasOwnProperty.call(message, 'docString'))
        writer.uint32(98).string(message.docString);
      if (message.externalData != null && message.externalData.length)
        for (let i = 0; i < message.externalData.length; ++i)
          $root.onnx.StringStringEntryProto.encode(
            message.externalData[i],
            writer.uint32(106).fork(),
            q + 1,
          ).ldelim();
      if (message.dataLocation != null && Object.hasOwnProperty.call(message, 'dataLocation'))
        writer.uint32(112).int32(message.dataLocation);
      return writer;
    };

    TensorProto.decode = function decode(reader, length, error, long) {
      if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
      if (long === undefined) long = 0;
      if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
      let end, message;
      if (length === undefined) end = reader.len;
      else {
        end = reader.pos + length;
        if (end > reader.len) throw RangeError('index out of range');
        length = reader.len;
        reader.len = end;
      }
      message = new $root.onnx.TensorProto();
      while (reader.pos < end) {
        let tag = reader.uint32();
        if (tag === error) break;
        switch (tag >>> 3) {
          case 1: {
            if (!(message.dims && message.dims.length)) message.dims = [];
            if ((tag & 7) === 2) {
              let end2 = reader.uint32() + reader.pos;
              if (end2 > reader.len) throw RangeError('index out of range');
              reader.len = end2;
              while (reader.pos < end2) message.dims.push(reader.int64());
              if (reader.pos !== end2) throw RangeError('index out of range');
              reader.len = end;
            } else message.dims.push(reader.int64());
            break;
          }
          case 2: {
            message.dataType = reader.int32();
            break;
          }
          case 3: {
            message.segment = $root.onnx.TensorProto.Segment.decode(
              reader,
              reader.uint32(),
              undefined,
              long + 1,
            );
            break;
          }
          case 4: {
            if (!(message.floatData && message.floatData.length)) message.floatData = [];
            if ((tag & 7) === 2) {
              let end2 = reader.uint32() + reader.pos;
              if (end2 > reader.len) throw RangeError('index out of range');
              reader.len = end2;
              while (reader.pos < end2) message.floatData.push(reader.float());
              if (reader.pos !== end2) throw RangeError('index out of range');
              reader.len = end;
            } else message.floatData.push(reader.float());
            break;
          }
          case 5: {
            if (!(message.int32Data && message.int32Data.length)) message.int32Data = [];
            if ((tag & 7) === 2) {
              let end2 = reader.uint32() + reader.pos;
              if (end2 > reader.len) throw RangeError('index out of range');
              reader.len = end2;
              while (reader.pos < end2) message.int32Data.push(reader.int32());
              if (reader.pos !== end2) throw RangeError('index out of range');
              reader.len = end;
            } else message.int32Data.push(reader.int32());
            break;
          }
          case 6: {
            if (!(message.stringData && message.stringData.length)) message.stringData = [];
            message.stringData.push(reader.bytes());
            break;
          }
          case 7: {
            if (!(message.int64Data && message.int64Data.length)) message.int64Data = [];
            if ((tag & 7) === 2) {
              let end2 = reader.uint32() + reader.pos;
              if (end2 > reader.len) throw RangeError('index out of range');
              reader.len = end2;
              while (reader.pos < end2) message.int64Data.push(reader.int64());
              if (reader.pos !== end2) throw RangeError('index out of range');
              reader.len = end;
            } else message.int64Data.push(reader.int64());
            break;
          }
          case 8: {
            message.name = reader.string();
            break;
          }
          case 12: {
            message.docString = reader.string();
            break;
          }
          case 9: {
            message.rawData = reader.bytes();
            break;
          }
          case 13: {
            if (!(message.externalData && message.externalData.length)) message.externalData = [];
            message.externalData.push(
              $root.onnx.StringStringEntryProto.decode(
                reader,
                reader.uint32(),
                undefined,
                long + 1,
              ),
            );
            break;
          }
          case 14: {
            message.dataLocation = reader.int32();
            break;
          }
          case 10: {
            if (!(message.doubleData && message.doubleData.length)) message.doubleData = [];
            if ((tag & 7) === 2) {
              let end2 = reader.uint32() + reader.pos;
              if (end2 > reader.len) throw RangeError('index out of range');
              reader.len = end2;
              while (reader.pos < end2) message.doubleData.push(reader.double());
              if (reader.pos !== end2) throw RangeError('index out of range');
              reader.len = end;
            } else message.doubleData.push(reader.double());
            break;
          }
          case 11: {
            if (!(message.uint64Data && message.uint64Data.length)) message.uint64Data = [];
            if ((tag & 7) === 2) {
              let end2 = reader.uint32() + reader.pos;
              if (end2 > reader.len) throw RangeError('index out of range');
              reader.len = end2;
              while (reader.pos < end2) message.uint64Data.push(reader.uint64());
              if (reader.pos !== end2) throw RangeError('index out of range');
              reader.len = end;
            } else message.uint64Data.push(reader.uint64());
            break;
          }
          default:
            reader.skipType(tag & 7, long);
            break;
        }
      }
      if (length !== undefined) {
        if (reader.pos !== end) throw RangeError('index out of range');
        reader.len = length;
      }
      return message;
    };

    TensorProto.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
      if (typeUrlPrefix === undefined) {
        typeUrlPrefix = 'type.googleapis.com';
      }
      return typeUrlPrefix + '/onnx.TensorProto';
    };

    TensorProto.DataType = (function () {
      const valuesById = {},
        values = Object.create(valuesById);
      values[(valuesById[0] = 'UNDEFINED')] = 0;
      values[(valuesById[1] = 'FLOAT')] = 1;
      values[(valuesById[2] = 'UINT8')] = 2;
      values[(valuesById[3] = 'INT8')] = 3;
      values[(valuesById[4] = 'UINT16')] = 4;
      values[(valuesById[5] = 'INT16')] = 5;
      values[(valuesById[6] = 'INT32')] = 6;
      values[(valuesById[7] = 'INT64')] = 7;
      values[(valuesById[8] = 'STRING')] = 8;
      values[(valuesById[9] = 'BOOL')] = 9;
      values[(valuesById[10] = 'FLOAT16')] = 10;
      values[(valuesById[11] = 'DOUBLE')] = 11;
      values[(valuesById[12] = 'UINT32')] = 12;
      values[(valuesById[13] = 'UINT64')] = 13;
      values[(valuesById[14] = 'COMPLEX64')] = 14;
      values[(valuesById[15] = 'COMPLEX128')] = 15;
      values[(valuesById[16] = 'BFLOAT16')] = 16;
      return values;
    })();

    TensorProto.Segment = (function () {
      function Segment(properties) {
        if (properties)
          for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
            if (properties[keys[i]] != null && keys[i] !== '__proto__')
              this[keys[i]] = properties[keys[i]];
      }

      Segment.prototype.begin = $util.Long ? $util.Long.fromBits(0, 0, false) : 0;
      Segment.prototype.end = $util.Long ? $util.Long.fromBits(0, 0, false) : 0;

      Segment.encode = function encode(message, writer, q) {
        if (!writer) writer = $Writer.create();
        if (q === undefined) q = 0;
        if (q > $util.recursionLimit) throw Error('max depth exceeded');
        if (message.begin != null && Object.hasOwnProperty.call(message, 'begin'))
          writer.uint32(8).int64(message.begin);
        if (message.end != null && Object.hasOwnProperty.call(message, 'end'))
          writer.uint32(16).int64(message.end);
        return writer;
      };

      Segment.decode = function decode(reader, length, error, long) {
        if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
        if (long === undefined) long = 0;
        if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
        let end, message;
        if (length === undefined) end = reader.len;
        else {
          end = reader.pos + length;
          if (end > reader.len) throw RangeError('index out of range');
          length = reader.len;
          reader.len = end;
        }
        message = new $root.onnx.TensorProto.Segment();
        while (reader.pos < end) {
          let tag = reader.uint32();
          if (tag === error) break;
          switch (tag >>> 3) {
            case 1: {
              message.begin = reader.int64();
              break;
            }
            case 2: {
              message.end = reader.int64();
              break;
            }
            default:
              reader.skipType(tag & 7, long);
              break;
          }
        }
        if (length !== undefined) {
          if (reader.pos !== end) throw RangeError('index out of range');
          reader.len = length;
        }
        return message;
      };

      Segment.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
        if (typeUrlPrefix === undefined) {
          typeUrlPrefix = 'type.googleapis.com';
        }
        return typeUrlPrefix + '/onnx.TensorProto.Segment';
      };

      return Segment;
    })();

    TensorProto.DataLocation = (function () {
      const valuesById = {},
        values = Object.create(valuesById);
      values[(valuesById[0] = 'DEFAULT')] = 0;
      values[(valuesById[1] = 'EXTERNAL')] = 1;
      return values;
    })();

    return TensorProto;
  })();

  onnx.SparseTensorProto = (function () {
    function SparseTensorProto(properties) {
      this.dims = [];
      if (properties)
        for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
          if (properties[keys[i]] != null && keys[i] !== '__proto__')
            this[keys[i]] = properties[keys[i]];
    }

    SparseTensorProto.prototype.values = null;
    SparseTensorProto.prototype.indices = null;
    SparseTensorProto.prototype.dims = $util.emptyArray;

    SparseTensorProto.encode = function encode(message, writer, q) {
      if (!writer) writer = $Writer.create();
      if (q === undefined) q = 0;
      if (q > $util.recursionLimit) throw Error('max depth exceeded');
      if (message.values != null && Object.hasOwnProperty.call(message, 'values'))
        $root.onnx.TensorProto.encode(message.values, writer.uint32(10).fork(), q + 1).ldelim();
      if (message.indices != null && Object.hasOwnProperty.call(message, 'indices'))
        $root.onnx.TensorProto.encode(message.indices, writer.uint32(18).fork(), q + 1).ldelim();
      if (message.dims != null && message.dims.length)
        for (let i = 0; i < message.dims.length; ++i) writer.uint32(24).int64(message.dims[i]);
      return writer;
    };

    SparseTensorProto.decode = function decode(reader, length, error, long) {
      if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
      if (long === undefined) long = 0;
      if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
      let end, message;
      if (length === undefined) end = reader.len;
      else {
        end = reader.pos + length;
        if (end > reader.len) throw RangeError('index out of range');
        length = reader.len;
        reader.len = end;
      }
      message = new $root.onnx.SparseTensorProto();
      while (reader.pos < end) {
        let tag = reader.uint32();
        if (tag === error) break;
        switch (tag >>> 3) {
          case 1: {
            message.values = $root.onnx.TensorProto.decode(
              reader,
              reader.uint32(),
              undefined,
              long + 1,
            );
            break;
          }
          case 2: {
            message.indices = $root.onnx.TensorProto.decode(
              reader,
              reader.uint32(),
              undefined,
              long + 1,
            );
            break;
          }
          case 3: {
            if (!(message.dims && message.dims.length)) message.dims = [];
            if ((tag & 7) === 2) {
              let end2 = reader.uint32() + reader.pos;
              if (end2 > reader.len) throw RangeError('index out of range');
              reader.len = end2;
              while (reader.pos < end2) message.dims.push(reader.int64());
              if (reader.pos !== end2) throw RangeError('index out of range');
              reader.len = end;
            } else message.dims.push(reader.int64());
            break;
          }
          default:
            reader.skipType(tag & 7, long);
            break;
        }
      }
      if (length !== undefined) {
        if (reader.pos !== end) throw RangeError('index out of range');
        reader.len = length;
      }
      return message;
    };

    SparseTensorProto.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
      if (typeUrlPrefix === undefined) {
        typeUrlPrefix = 'type.googleapis.com';
      }
      return typeUrlPrefix + '/onnx.SparseTensorProto';
    };

    return SparseTensorProto;
  })();

  onnx.TensorShapeProto = (function () {
    function TensorShapeProto(properties) {
      this.dim = [];
      if (properties)
        for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
          if (properties[keys[i]] != null && keys[i] !== '__proto__')
            this[keys[i]] = properties[keys[i]];
    }

    TensorShapeProto.prototype.dim = $util.emptyArray;

    TensorShapeProto.encode = function encode(message, writer, q) {
      if (!writer) writer = $Writer.create();
      if (q === undefined) q = 0;
      if (q > $util.recursionLimit) throw Error('max depth exceeded');
      if (message.dim != null && message.dim.length)
        for (let i = 0; i < message.dim.length; ++i)
          $root.onnx.TensorShapeProto.Dimension.encode(
            message.dim[i],
            writer.uint32(10).fork(),
            q + 1,
          ).ldelim();
      return writer;
    };

    TensorShapeProto.decode = function decode(reader, length, error, long) {
      if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
      if (long === undefined) long = 0;
      if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
      let end, message;
      if (length === undefined) end = reader.len;
      else {
        end = reader.pos + length;
        if (end > reader.len) throw RangeError('index out of range');
        length = reader.len;
        reader.len = end;
      }
      message = new $root.onnx.TensorShapeProto();
      while (reader.pos < end) {
        let tag = reader.uint32();
        if (tag === error) break;
        switch (tag >>> 3) {
          case 1: {
            if (!(message.dim && message.dim.length)) message.dim = [];
            message.dim.push(
              $root.onnx.TensorShapeProto.Dimension.decode(
                reader,
                reader.uint32(),
                undefined,
                long + 1,
              ),
            );
            break;
          }
          default:
            reader.skipType(tag & 7, long);
            break;
        }
      }
      if (length !== undefined) {
        if (reader.pos !== end) throw RangeError('index out of range');
        reader.len = length;
      }
      return message;
    };

    TensorShapeProto.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
      if (typeUrlPrefix === undefined) {
        typeUrlPrefix = 'type.googleapis.com';
      }
      return typeUrlPrefix + '/onnx.TensorShapeProto';
    };

    TensorShapeProto.Dimension = (function () {
      function Dimension(properties) {
        if (properties)
          for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
            if (properties[keys[i]] != null && keys[i] !== '__proto__')
              this[keys[i]] = properties[keys[i]];
      }

      Dimension.prototype.dimValue = null;
      Dimension.prototype.dimParam = null;
      Dimension.prototype.denotation = '';

      let $oneOfFields;

      Object.defineProperty(Dimension.prototype, 'value', {
        get: $util.oneOfGetter(($oneOfFields = ['dimValue', 'dimParam'])),
        set: $util.oneOfSetter($oneOfFields),
      });

      Dimension.encode = function encode(message, writer, q) {
        if (!writer) writer = $Writer.create();
        if (q === undefined) q = 0;
        if (q > $util.recursionLimit) throw Error('max depth exceeded');
        if (message.dimValue != null && Object.hasOwnProperty.call(message, 'dimValue'))
          writer.uint32(8).int64(message.dimValue);
        if (message.dimParam != null && Object.hasOwnProperty.call(message, 'dimParam'))
          writer.uint32(18).string(message.dimParam);
        if (message.denotation != null && Object.hasOwnProperty.call(message, 'denotation'))
          writer.uint32(26).string(message.denotation);
        return writer;
      };

      Dimension.decode = function decode(reader, length, error, long) {
        if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
        if (long === undefined) long = 0;
        if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
        let end, message;
        if (length === undefined) end = reader.len;
        else {
          end = reader.pos + length;
          if (end > reader.len) throw RangeError('index out of range');
          length = reader.len;
          reader.len = end;
        }
        message = new $root.onnx.TensorShapeProto.Dimension();
        while (reader.pos < end) {
          let tag = reader.uint32();
          if (tag === error) break;
          switch (tag >>> 3) {
            case 1: {
              message.dimValue = reader.int64();
              break;
            }
            case 2: {
              message.dimParam = reader.string();
              break;
            }
            case 3: {
              message.denotation = reader.string();
              break;
            }
            default:
              reader.skipType(tag & 7, long);
              break;
          }
        }
        if (length !== undefined) {
          if (reader.pos !== end) throw RangeError('index out of range');
          reader.len = length;
        }
        return message;
      };

      Dimension.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
        if (typeUrlPrefix === undefined) {
          typeUrlPrefix = 'type.googleapis.com';
        }
        return typeUrlPrefix + '/onnx.TensorShapeProto.Dimension';
      };

      return Dimension;
    })();

    return TensorShapeProto;
  })();

  onnx.TypeProto = (function () {
    function TypeProto(properties) {
      if (properties)
        for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
          if (properties[keys[i]] != null && keys[i] !== '__proto__')
            this[keys[i]] = properties[keys[i]];
    }

    TypeProto.prototype.tensorType = null;
    TypeProto.prototype.sequenceType = null;
    TypeProto.prototype.mapType = null;
    TypeProto.prototype.optionalType = null;
    TypeProto.prototype.sparseTensorType = null;
    TypeProto.prototype.denotation = '';

    let $oneOfFields;

    Object.defineProperty(TypeProto.prototype, 'value', {
      get: $util.oneOfGetter(
        ($oneOfFields = [
          'tensorType',
          'sequenceType',
          'mapType',
          'optionalType',
          'sparseTensorType',
        ]),
      ),
      set: $util.oneOfSetter($oneOfFields),
    });

    TypeProto.encode = function encode(message, writer, q) {
      if (!writer) writer = $Writer.create();
      if (q === undefined) q = 0;
      if (q > $util.recursionLimit) throw Error('max depth exceeded');
      if (message.tensorType != null && Object.hasOwnProperty.call(message, 'tensorType'))
        $root.onnx.TypeProto.Tensor.encode(
          message.tensorType,
          writer.uint32(10).fork(),
          q + 1,
        ).ldelim();
      if (message.sequenceType != null && Object.hasOwnProperty.call(message, 'sequenceType'))
        $root.onnx.TypeProto.Sequence.encode(
          message.sequenceType,
          writer.uint32(34).fork(),
          q + 1,
        ).ldelim();
      if (message.mapType != null && Object.hasOwnProperty.call(message, 'mapType'))
        $root.onnx.TypeProto.Map.encode(message.mapType, writer.uint32(42).fork(), q + 1).ldelim();
      if (message.denotation != null && Object.hasOwnProperty.call(message, 'denotation'))
        writer.uint32(50).string(message.denotation);
      if (
        message.sparseTensorType != null &&
        Object.hasOwnProperty.call(message, 'sparseTensorType')
      )
        $root.onnx.TypeProto.SparseTensor.encode(
          message.sparseTensorType,
          writer.uint32(66).fork(),
          q + 1,
        ).ldelim();
      if (message.optionalType != null && Object.hasOwnProperty.call(message, 'optionalType'))
        $root.onnx.TypeProto.Optional.encode(
          message.optionalType,
          writer.uint32(74).fork(),
          q + 1,
        ).ldelim();
      return writer;
    };

    TypeProto.decode = function decode(reader, length, error, long) {
      if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
      if (long === undefined) long = 0;
      if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
      let end, message;
      if (length === undefined) end = reader.len;
      else {
        end = reader.pos + length;
        if (end > reader.len) throw RangeError('index out of range');
        length = reader.len;
        reader.len = end;
      }
      message = new $root.onnx.TypeProto();
      while (reader.pos < end) {
        let tag = reader.uint32();
        if (tag === error) break;
        switch (tag >>> 3) {
          case 1: {
            message.tensorType = $root.onnx.TypeProto.Tensor.decode(
              reader,
              reader.uint32(),
              undefined,
              long + 1,
            );
            break;
          }
          case 4: {
            message.sequenceType = $root.onnx.TypeProto.Sequence.decode(
              reader,
              reader.uint32(),
              undefined,
              long + 1,
            );
            break;
          }
          case 5: {
            message.mapType = $root.onnx.TypeProto.Map.decode(
              reader,
              reader.uint32(),
              undefined,
              long + 1,
            );
            break;
          }
          case 9: {
            message.optionalType = $root.onnx.TypeProto.Optional.decode(
              reader,
              reader.uint32(),
              undefined,
              long + 1,
            );
            break;
          }
          case 8: {
            message.sparseTensorType = $root.onnx.TypeProto.SparseTensor.decode(
              reader,
              reader.uint32(),
              undefined,
              long + 1,
            );
            break;
          }
          case 6: {
            message.denotation = reader.string();
            break;
          }
          default:
            reader.skipType(tag & 7, long);
            break;
        }
      }
      if (length !== undefined) {
        if (reader.pos !== end) throw RangeError('index out of range');
        reader.len = length;
      }
      return message;
    };

    TypeProto.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
      if (typeUrlPrefix === undefined) {
        typeUrlPrefix = 'type.googleapis.com';
      }
      return typeUrlPrefix + '/onnx.TypeProto';
    };

    TypeProto.Tensor = (function () {
      function Tensor(properties) {
        if (properties)
          for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
            if (properties[keys[i]] != null && keys[i] !== '__proto__')
              this[keys[i]] = properties[keys[i]];
      }

      Tensor.prototype.elemType = 0;
      Tensor.prototype.shape = null;

      Tensor.encode = function encode(message, writer, q) {
        if (!writer) writer = $Writer.create();
        if (q === undefined) q = 0;
        if (q > $util.recursionLimit) throw Error('max depth exceeded');
        if (message.elemType != null && Object.hasOwnProperty.call(message, 'elemType'))
          writer.uint32(8).int32(message.elemType);
        if (message.shape != null && Object.hasOwnProperty.call(message, 'shape'))
          $root.onnx.TensorShapeProto.encode(
            message.shape,
            writer.uint32(18).fork(),
            q + 1,
          ).ldelim();
        return writer;
      };

      Tensor.decode = function decode(reader, length, error, long) {
        if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
        if (long === undefined) long = 0;
        if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
        let end, message;
        if (length === undefined) end = reader.len;
        else {
          end = reader.pos + length;
          if (end > reader.len) throw RangeError('index out of range');
          length = reader.len;
          reader.len = end;
        }
        message = new $root.onnx.TypeProto.Tensor();
        while (reader.pos < end) {
          let tag = reader.uint32();
          if (tag === error) break;
          switch (tag >>> 3) {
            case 1: {
              message.elemType = reader.int32();
              break;
            }
            case 2: {
              message.shape = $root.onnx.TensorShapeProto.decode(
                reader,
                reader.uint32(),
                undefined,
                long + 1,
              );
              break;
            }
            default:
              reader.skipType(tag & 7, long);
              break;
          }
        }
        if (length !== undefined) {
          if (reader.pos !== end) throw RangeError('index out of range');
          reader.len = length;
        }
        return message;
      };

      Tensor.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
        if (typeUrlPrefix === undefined) {
          typeUrlPrefix = 'type.googleapis.com';
        }
        return typeUrlPrefix + '/onnx.TypeProto.Tensor';
      };

      return Tensor;
    })();

    TypeProto.Sequence = (function () {
      function Sequence(properties) {
        if (properties)
          for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
            if (properties[keys[i]] != null && keys[i] !== '__proto__')
              this[keys[i]] = properties[keys[i]];
      }

      Sequence.prototype.elemType = null;

      Sequence.encode = function encode(message, writer, q) {
        if (!writer) writer = $Writer.create();
        if (q === undefined) q = 0;
        if (q > $util.recursionLimit) throw Error('max depth exceeded');
        if (message.elemType != null && Object.hasOwnProperty.call(message, 'elemType'))
          $root.onnx.TypeProto.encode(message.elemType, writer.uint32(10).fork(), q + 1).ldelim();
        return writer;
      };

      Sequence.decode = function decode(reader, length, error, long) {
        if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
        if (long === undefined) long = 0;
        if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
        let end, message;
        if (length === undefined) end = reader.len;
        else {
          end = reader.pos + length;
          if (end > reader.len) throw RangeError('index out of range');
          length = reader.len;
          reader.len = end;
        }
        message = new $root.onnx.TypeProto.Sequence();
        while (reader.pos < end) {
          let tag = reader.uint32();
          if (tag === error) break;
          switch (tag >>> 3) {
            case 1: {
              message.elemType = $root.onnx.TypeProto.decode(
                reader,
                reader.uint32(),
                undefined,
                long + 1,
              );
              break;
            }
            default:
              reader.skipType(tag & 7, long);
              break;
          }
        }
        if (length !== undefined) {
          if (reader.pos !== end) throw RangeError('index out of range');
          reader.len = length;
        }
        return message;
      };

      Sequence.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
        if (typeUrlPrefix === undefined) {
          typeUrlPrefix = 'type.googleapis.com';
        }
        return typeUrlPrefix + '/onnx.TypeProto.Sequence';
      };

      return Sequence;
    })();

    TypeProto.Map = (function () {
      function Map(properties) {
        if (properties)
          for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
            if (properties[keys[i]] != null && keys[i] !== '__proto__')
              this[keys[i]] = properties[keys[i]];
      }

      Map.prototype.keyType = 0;
      Map.prototype.valueType = null;

      Map.encode = function encode(message, writer, q) {
        if (!writer) writer = $Writer.create();
        if (q === undefined) q = 0;
        if (q > $util.recursionLimit) throw Error('max depth exceeded');
        if (message.keyType != null && Object.hasOwnProperty.call(message, 'keyType'))
          writer.uint32(8).int32(message.keyType);
        if (message.valueType != null && Object.hasOwnProperty.call(message, 'valueType'))
          $root.onnx.TypeProto.encode(message.valueType, writer.uint32(18).fork(), q + 1).ldelim();
        return writer;
      };

      Map.decode = function decode(reader, length, error, long) {
        if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
        if (long === undefined) long = 0;
        if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
        let end, message;
        if (length === undefined) end = reader.len;
        else {
          end = reader.pos + length;
          if (end > reader.len) throw RangeError('index out of range');
          length = reader.len;
          reader.len = end;
        }
        message = new $root.onnx.TypeProto.Map();
        while (reader.pos < end) {
          let tag = reader.uint32();
          if (tag === error) break;
          switch (tag >>> 3) {
            case 1: {
              message.keyType = reader.int32();
              break;
            }
            case 2: {
              message.valueType = $root.onnx.TypeProto.decode(
                reader,
                reader.uint32(),
                undefined,
                long + 1,
              );
              break;
            }
            default:
              reader.skipType(tag & 7, long);
              break;
          }
        }
        if (length !== undefined) {
          if (reader.pos !== end) throw RangeError('index out of range');
          reader.len = length;
        }
        return message;
      };

      Map.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
        if (typeUrlPrefix === undefined) {
          typeUrlPrefix = 'type.googleapis.com';
        }
        return typeUrlPrefix + '/onnx.TypeProto.Map';
      };

      return Map;
    })();

    TypeProto.Optional = (function () {
      function Optional(properties) {
        if (properties)
          for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
            if (properties[keys[i]] != null && keys[i] !== '__proto__')
              this[keys[i]] = properties[keys[i]];
      }

      Optional.prototype.elemType = null;

      Optional.encode = function encode(message, writer, q) {
        if (!writer) writer = $Writer.create();
        if (q === undefined) q = 0;
        if (q > $util.recursionLimit) throw Error('max depth exceeded');
        if (message.elemType != null && Object.hasOwnProperty.call(message, 'elemType'))
          $root.onnx.TypeProto.encode(message.elemType, writer.uint32(10).fork(), q + 1).ldelim();
        return writer;
      };

      Optional.decode = function decode(reader, length, error, long) {
        if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
        if (long === undefined) long = 0;
        if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
        let end, message;
        if (length === undefined) end = reader.len;
        else {
          end = reader.pos + length;
          if (end > reader.len) throw RangeError('index out of range');
          length = reader.len;
          reader.len = end;
        }
        message = new $root.onnx.TypeProto.Optional();
        while (reader.pos < end) {
          let tag = reader.uint32();
          if (tag === error) break;
          switch (tag >>> 3) {
            case 1: {
              message.elemType = $root.onnx.TypeProto.decode(
                reader,
                reader.uint32(),
                undefined,
                long + 1,
              );
              break;
            }
            default:
              reader.skipType(tag & 7, long);
              break;
          }
        }
        if (length !== undefined) {
          if (reader.pos !== end) throw RangeError('index out of range');
          reader.len = length;
        }
        return message;
      };

      Optional.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
        if (typeUrlPrefix === undefined) {
          typeUrlPrefix = 'type.googleapis.com';
        }
        return typeUrlPrefix + '/onnx.TypeProto.Optional';
      };

      return Optional;
    })();

    TypeProto.SparseTensor = (function () {
      function SparseTensor(properties) {
        if (properties)
          for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
            if (properties[keys[i]] != null && keys[i] !== '__proto__')
              this[keys[i]] = properties[keys[i]];
      }

      SparseTensor.prototype.elemType = 0;
      SparseTensor.prototype.shape = null;

      SparseTensor.encode = function encode(message, writer, q) {
        if (!writer) writer = $Writer.create();
        if (q === undefined) q = 0;
        if (q > $util.recursionLimit) throw Error('max depth exceeded');
        if (message.elemType != null && Object.hasOwnProperty.call(message, 'elemType'))
          writer.uint32(8).int32(message.elemType);
        if (message.shape != null && Object.hasOwnProperty.call(message, 'shape'))
          $root.onnx.TensorShapeProto.encode(
            message.shape,
            writer.uint32(18).fork(),
            q + 1,
          ).ldelim();
        return writer;
      };

      SparseTensor.decode = function decode(reader, length, error, long) {
        if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
        if (long === undefined) long = 0;
        if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
        let end, message;
        if (length === undefined) end = reader.len;
        else {
          end = reader.pos + length;
          if (end > reader.len) throw RangeError('index out of range');
          length = reader.len;
          reader.len = end;
        }
        message = new $root.onnx.TypeProto.SparseTensor();
        while (reader.pos < end) {
          let tag = reader.uint32();
          if (tag === error) break;
          switch (tag >>> 3) {
            case 1: {
              message.elemType = reader.int32();
              break;
            }
            case 2: {
              message.shape = $root.onnx.TensorShapeProto.decode(
                reader,
                reader.uint32(),
                undefined,
                long + 1,
              );
              break;
            }
            default:
              reader.skipType(tag & 7, long);
              break;
          }
        }
        if (length !== undefined) {
          if (reader.pos !== end) throw RangeError('index out of range');
          reader.len = length;
        }
        return message;
      };

      SparseTensor.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
        if (typeUrlPrefix === undefined) {
          typeUrlPrefix = 'type.googleapis.com';
        }
        return typeUrlPrefix + '/onnx.TypeProto.SparseTensor';
      };

      return SparseTensor;
    })();

    return TypeProto;
  })();

  onnx.OperatorSetIdProto = (function () {
    function OperatorSetIdProto(properties) {
      if (properties)
        for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
          if (properties[keys[i]] != null && keys[i] !== '__proto__')
            this[keys[i]] = properties[keys[i]];
    }

    OperatorSetIdProto.prototype.domain = '';
    OperatorSetIdProto.prototype.version = $util.Long ? $util.Long.fromBits(0, 0, false) : 0;

    OperatorSetIdProto.encode = function encode(message, writer, q) {
      if (!writer) writer = $Writer.create();
      if (q === undefined) q = 0;
      if (q > $util.recursionLimit) throw Error('max depth exceeded');
      if (message.domain != null && Object.hasOwnProperty.call(message, 'domain'))
        writer.uint32(10).string(message.domain);
      if (message.version != null && Object.hasOwnProperty.call(message, 'version'))
        writer.uint32(16).int64(message.version);
      return writer;
    };

    OperatorSetIdProto.decode = function decode(reader, length, error, long) {
      if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
      if (long === undefined) long = 0;
      if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
      let end, message;
      if (length === undefined) end = reader.len;
      else {
        end = reader.pos + length;
        if (end > reader.len) throw RangeError('index out of range');
        length = reader.len;
        reader.len = end;
      }
      message = new $root.onnx.OperatorSetIdProto();
      while (reader.pos < end) {
        let tag = reader.uint32();
        if (tag === error) break;
        switch (tag >>> 3) {
          case 1: {
            message.domain = reader.string();
            break;
          }
          case 2: {
            message.version = reader.int64();
            break;
          }
          default:
            reader.skipType(tag & 7, long);
            break;
        }
      }
      if (length !== undefined) {
        if (reader.pos !== end) throw RangeError('index out of range');
        reader.len = length;
      }
      return message;
    };

    OperatorSetIdProto.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
      if (typeUrlPrefix === undefined) {
        typeUrlPrefix = 'type.googleapis.com';
      }
      return typeUrlPrefix + '/onnx.OperatorSetIdProto';
    };

    return OperatorSetIdProto;
  })();

  onnx.OperatorStatus = (function () {
    const valuesById = {},
      values = Object.create(valuesById);
    values[(valuesById[0] = 'EXPERIMENTAL')] = 0;
    values[(valuesById[1] = 'STABLE')] = 1;
    return values;
  })();

  onnx.FunctionProto = (function () {
    function FunctionProto(properties) {
      this.input = [];
      this.output = [];
      this.attribute = [];
      this.node = [];
      this.opsetImport = [];
      if (properties)
        for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
          if (properties[keys[i]] != null && keys[i] !== '__proto__')
            this[keys[i]] = properties[keys[i]];
    }

    FunctionProto.prototype.name = '';
    FunctionProto.prototype.input = $util.emptyArray;
    FunctionProto.prototype.output = $util.emptyArray;
    FunctionProto.prototype.attribute = $util.emptyArray;
    FunctionProto.prototype.node = $util.emptyArray;
    FunctionProto.prototype.docString = '';
    FunctionProto.prototype.opsetImport = $util.emptyArray;
    FunctionProto.prototype.domain = '';

    FunctionProto.encode = function encode(message, writer, q) {
      if (!writer) writer = $Writer.create();
      if (q === undefined) q = 0;
      if (q > $util.recursionLimit) throw Error('max depth exceeded');
      if (message.name != null && Object.hasOwnProperty.call(message, 'name'))
        writer.uint32(10).string(message.name);
      if (message.input != null && message.input.length)
        for (let i = 0; i < message.input.length; ++i) writer.uint32(34).string(message.input[i]);
      if (message.output != null && message.output.length)
        for (let i = 0; i < message.output.length; ++i) writer.uint32(42).string(message.output[i]);
      if (message.attribute != null && message.attribute.length)
        for (let i = 0; i < message.attribute.length; ++i)
          writer.uint32(50).string(message.attribute[i]);
      if (message.node != null && message.node.length)
        for (let i = 0; i < message.node.length; ++i)
          $root.onnx.NodeProto.encode(message.node[i], writer.uint32(58).fork(), q + 1).ldelim();
      if (message.docString != null && Object.hasOwnProperty.call(message, 'docString'))
        writer.uint32(66).string(message.docString);
      if (message.opsetImport != null && message.opsetImport.length)
        for (let i = 0; i < message.opsetImport.length; ++i)
          $root.onnx.OperatorSetIdProto.encode(
            message.opsetImport[i],
            writer.uint32(74).fork(),
            q + 1,
          ).ldelim();
      if (message.domain != null && Object.hasOwnProperty.call(message, 'domain'))
        writer.uint32(82).string(message.domain);
      return writer;
    };

    FunctionProto.decode = function decode(reader, length, error, long) {
      if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
      if (long === undefined) long = 0;
      if (long > $Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
      let end, message;
      if (length === undefined) end = reader.len;
      else {
        end = reader.pos + length;
        if (end > reader.len) throw RangeError('index out of range');
        length = reader.len;
        reader.len = end;
      }
      message = new $root.onnx.FunctionProto();
      while (reader.pos < end) {
        let tag = reader.uint32();
        if (tag === error) break;
        switch (tag >>> 3) {
          case 1: {
            message.name = reader.string();
            break;
          }
          case 4: {
            if (!(message.input && message.input.length)) message.input = [];
            message.input.push(reader.string());
            break;
          }
          case 5: {
            if (!(message.output && message.output.length)) message.output = [];
            message.output.push(reader.string());
            break;
          }
          case 6: {
            if (!(message.attribute && message.attribute.length)) message.attribute = [];
            message.attribute.push(reader.string());
            break;
          }
          case 7: {
            if (!(message.node && message.node.length)) message.node = [];
            message.node.push(
              $root.onnx.NodeProto.decode(reader, reader.uint32(), undefined, long + 1),
            );
            break;
          }
          case 8: {
            message.docString = reader.string();
            break;
          }
          case 9: {
            if (!(message.opsetImport && message.opsetImport.length)) message.opsetImport = [];
            message.opsetImport.push(
              $root.onnx.OperatorSetIdProto.decode(reader, reader.uint32(), undefined, long + 1),
            );
            break;
          }
          case 10: {
            message.domain = reader.string();
            break;
          }
          default:
            reader.skipType(tag & 7, long);
            break;
        }
      }
      if (length !== undefined) {
        if (reader.pos !== end) throw RangeError('index out of range');
        reader.len = length;
      }
      return message;
    };

    FunctionProto.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
      if (typeUrlPrefix === undefined) {
        typeUrlPrefix = 'type.googleapis.com';
      }
      return typeUrlPrefix + '/onnx.FunctionProto';
    };

    return FunctionProto;
  })();

  return onnx;
})());

export { $root as default };
