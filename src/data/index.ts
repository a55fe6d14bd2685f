/** The image data layer: datasets as plain typed arrays, and image output helpers. */
export {
  batchIndices,
  epochPermutation,
  gatherImages,
  gatherLabels,
  Xoshiro128,
} from './batches.js';
export {
  cacheRoot,
  DATASET_NAMES,
  DEBIAN_FASHION_MNIST_DIR,
  loadDataset,
  type DatasetName,
  type LoadDatasetOptions,
  type Split,
} from './datasets.js';
export {
  downloadVerified,
  hasChecksum,
  md5Hex,
  type DownloadOptions,
  type RemoteFile,
} from './download.js';
export { DataError, DownloadError } from './errors.js';
export { encodeGif, type GifOptions } from './gif.js';
export { imageGrid, type GridOptions, type RasterImage } from './grid.js';
export {
  encodeIdx,
  isGzip,
  parseIdx,
  readIdx,
  readIdxImages,
  readIdxLabels,
  type IdxArray,
  type IdxImages,
} from './idx.js';
export {
  fromIdx,
  fromUnitRange,
  resizeImageSet,
  toUnitRange,
  unitToByte,
  type ImageSet,
} from './image-set.js';
export {
  decodeImage,
  IMAGE_EXTENSIONS,
  isGrayscale,
  loadImageFolder,
  toChannels,
  type ImageFolderOptions,
  type RgbaImage,
} from './images.js';
export { encodePng } from './png.js';
export { cropCenterSquare, resizePixels, type Pixels } from './resize.js';
