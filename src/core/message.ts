/**
 * Messages the engine writes for people, as data: a key into the `engine` part of the catalogues
 * (src/i18n) and its values, made together with the English text that JSON, the CLI's `--json`
 * and automation keep. A page in another language renders the message; nothing is parsed back out
 * of English. test/engine-messages.test.ts renders each one with the English catalogue and checks
 * it is the English text, character for character.
 */
export type MessageKey =
  | 'probabilities'
  | 'notProbabilities'
  | 'orientationRotated'
  | 'orientationIgnored'
  | 'labelCountBundled'
  | 'labelCountFile'
  | 'fewClasses'
  | 'fastDirect'
  | 'fastWinograd'
  | 'fastReason.off'
  | 'fastReason.webgpu'
  | 'fastReason.unreadable'
  | 'fastReason.noEligible'
  | 'fastReason.none'
  | 'fastReason.runtime'
  | 'fastReason.pending'
  | 'fastReason.checkLength'
  | 'fastReason.checkNonFinite'
  | 'fastReason.checkDiffers'
  | 'fastReason.checkReference'
  | 'fastReason.checkCreate'
  | 'fastReason.checkRun'
  | 'fastReason.unprepared'
  | 'backend.wasmChosen'
  | 'backend.unsupported'
  | 'backend.probeError'
  | 'backend.noAdapter'
  | 'backend.requested'
  | 'backend.forced'
  | 'backend.softwareAdapter'
  | 'backend.adapter'
  | 'backend.webgpuFailed'
  | 'backend.node'
  | 'backend.lens'
  | 'backend.lensAfter'
  | 'backend.lensInt8'
  | 'backend.int8'
  | 'backend.int8Dot0'
  | 'backend.int8Dot1'
  | 'backend.int8Dot2'
  | 'cam.exact'
  | 'cam.noLinear'
  | 'cam.noFeatures'
  | 'looks.empty'
  | 'looks.image'
  | 'looks.zip'
  | 'looks.gzip'
  | 'looks.pdf'
  | 'looks.program'
  | 'looks.psd'
  | 'looks.jxl'
  | 'looks.video'
  | 'looks.isoMedia'
  | 'looks.onnx'
  | 'looks.html'
  | 'looks.xml'
  | 'looks.json'
  | 'looks.text'
  | 'looks.binary'
  | 'errorWhy.notAnImage'
  | 'errorWhy.notAModel'
  | 'arch.vggKnown'
  | 'arch.vggCustom'
  | 'arch.vggCustomSe'
  | 'arch.ghostWidth'
  | 'arch.ghostCustom'
  | 'arch.ghostMode.target'
  | 'arch.ghostMode.rep'
  | 'arch.ghostMode.repghost'
  | 'arch.ghostMode.hs'
  | 'arch.ghostMode.csla'
  | 'arch.ghostMode.deploy'
  | 'convertLayoutStripped'
  | 'precision.at'
  | 'precision.atChannel'
  | 'precision.weightOverflow'
  | 'precision.biasOverflow'
  | 'precision.activationOverflow'
  | 'precision.nonFinite'
  | 'precision.rangeHog'
  | 'precision.rangeShare'
  | 'precision.sqnrDrop'
  | 'precision.subnormal'
  | 'precision.layerLoss'
  | 'precision.layerGain';

/** A value is a number, a string shown as it is (a name, a file), or a message of its own. */
export type MessageValue = string | number | Message;

export interface Message {
  key: MessageKey;
  params: Readonly<Record<string, MessageValue>>;
}

/** The English text and the message it is made from. */
export interface Note {
  text: string;
  message: Message;
}

export const message = (key: MessageKey, params: Message['params'] = {}): Message => ({
  key,
  params,
});
