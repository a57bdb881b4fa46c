export { readOnnxModel, type OnnxModelInfo, type OnnxValueInfo } from './reader';
export {
  layoutOnnxModel,
  type AttributeValue,
  type Dim,
  type InitializerSpec,
  type ModelLayout,
  type ModelSpec,
  type NodeSpec,
  type ValueInfo,
} from './writer';
export { writeElements, elemBytes, type ElemType } from './raw';
export { float16Bits, float16Value } from './float16';
