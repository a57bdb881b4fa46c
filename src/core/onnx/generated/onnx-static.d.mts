/** Types of the precompiled codecs in onnx-static.mjs (only what proto.ts uses). */
import type { Reader, Writer } from 'protobufjs/minimal';

export interface StaticMessageType {
  encode(message: object, writer?: Writer): Writer;
  decode(reader: Reader | Uint8Array, length?: number): object;
}

export declare const onnx: {
  readonly ModelProto: StaticMessageType;
  readonly GraphProto: StaticMessageType;
  readonly TensorProto: StaticMessageType;
};
