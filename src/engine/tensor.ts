/**
 * The Tensor class: one handle on one libtorch tensor, with PyTorch's method names in
 * camelCase. Every op returns a new Tensor owned by the innermost scope (see scope.ts);
 * in-place methods (with a trailing underscore) return `this`.
 */
import {
  type AnyTypedArray,
  type Device,
  type DType,
  type TypedArrayOf,
  typedArrayView,
} from './dtype.js';
import { type Handle, native } from './native.js';
import { track } from './scope.js';

/** A tensor, a number or a boolean: numbers follow PyTorch's rules for Python scalars. */
export type TensorOrScalar = Tensor | number | boolean;

/** A shape given either as separate sizes or as one array: reshape(2, 3) or reshape([2, 3]). */
export type ShapeArgs = number[] | [readonly number[]];

export function shapeFromArgs(args: ShapeArgs): number[] {
  return Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : (args as number[]);
}

function operand(value: TensorOrScalar): Handle | number | boolean {
  return value instanceof Tensor ? value.handle : value;
}

/** Wraps a handle the addon returned into a Tensor owned by the current scope. */
export function wrap(handle: Handle): Tensor {
  return new Tensor(handle);
}

function wrapPair([values, indices]: [Handle, Handle]): { values: Tensor; indices: Tensor } {
  return { values: wrap(values), indices: wrap(indices) };
}

function dimsArg(dims: number | readonly number[] | undefined): number[] | null {
  if (dims === undefined) return null;
  return typeof dims === 'number' ? [dims] : [...dims];
}

export interface ReduceOptions {
  /** Keep each reduced dimension with size 1. Default false. */
  keepdim?: boolean;
  /** Accumulate and return in this dtype. Default: the input's dtype (int64 for integers). */
  dtype?: DType;
}

export interface VarianceOptions {
  /** Subtracted from the element count in the divisor: 1 for Bessel's correction (default). */
  correction?: number;
  keepdim?: boolean;
}

export class Tensor implements Disposable {
  readonly #handle: Handle;
  #disposed = false;
  #shape: number[] | null = null;

  /** Wraps a native handle; use the creation functions (tensor, zeros, randn...) instead. */
  constructor(handle: Handle) {
    this.#handle = handle;
    track(this);
  }

  /**
   * The native handle. After dispose() it stays valid as a handle, and every op that receives
   * it raises DisposedTensorError naming the op.
   */
  get handle(): Handle {
    return this.#handle;
  }

  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** Drops this handle's reference to the storage; later use throws. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    native.dispose(this.#handle);
    this.#disposed = true;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  get shape(): number[] {
    this.#shape ??= native.shape(this.handle);
    return [...this.#shape];
  }

  /** The size of one dimension; negative dims count from the end. */
  size(dim: number): number {
    this.#shape ??= native.shape(this.handle);
    const size = this.#shape[dim < 0 ? dim + this.#shape.length : dim];
    if (size === undefined) {
      throw new RangeError(`dimension ${dim} is out of range for shape [${this.#shape}]`);
    }
    return size;
  }

  get ndim(): number {
    this.#shape ??= native.shape(this.handle);
    return this.#shape.length;
  }

  dim(): number {
    return this.ndim;
  }

  numel(): number {
    this.#shape ??= native.shape(this.handle);
    return this.#shape.reduce((a, b) => a * b, 1);
  }

  get dtype(): DType {
    return native.dtype(this.handle);
  }

  get device(): Device {
    return native.device(this.handle) as Device;
  }

  // Read-back

  /** Copies the elements, row-major, into a new typed array of this tensor's dtype. */
  toTypedArray(): TypedArrayOf[DType] {
    return typedArrayView(this.dtype, native.toData(this.handle));
  }

  /** Copies the elements into nested arrays of numbers (or booleans), as Python's tolist(). */
  toArray(): unknown {
    const shape = this.shape;
    const dtype = this.dtype;
    const flat = this.toTypedArray() as AnyTypedArray;
    let values: (number | boolean | bigint)[] = Array.from(flat as ArrayLike<number | bigint>);
    if (dtype === 'bool') values = values.map((v) => v !== 0);
    if (dtype === 'int64') values = values.map((v) => Number(v));
    if (dtype === 'float16' || dtype === 'bfloat16') {
      const float = this.to('float32');
      values = Array.from(float.toTypedArray() as Float32Array);
      float.dispose();
    }
    return nest(values, shape);
  }

  /** The value of a one-element tensor. */
  item(): number {
    return Number(native.item(this.handle));
  }

  toString(): string {
    const shape = this.shape;
    const preview = this.numel() <= 16 ? ` ${JSON.stringify(this.toArray())}` : '';
    return `Tensor([${shape.join(', ')}], ${this.dtype}, ${this.device})${preview}`;
  }

  // Conversion

  /** Converts to a dtype, a device, or both: to('float64'), to('cuda'), to({ dtype, device }). */
  to(target: DType | Device | { dtype?: DType; device?: Device }): Tensor {
    if (typeof target === 'object') {
      return wrap(native.to(this.handle, target.dtype ?? null, target.device ?? null));
    }
    const isDevice = target === 'cpu' || target.startsWith('cuda');
    return isDevice
      ? wrap(native.to(this.handle, null, target))
      : wrap(native.to(this.handle, target as DType, null));
  }

  float(): Tensor {
    return this.to('float32');
  }

  double(): Tensor {
    return this.to('float64');
  }

  long(): Tensor {
    return this.to('int64');
  }

  int(): Tensor {
    return this.to('int32');
  }

  bool(): Tensor {
    return this.to('bool');
  }

  cpu(): Tensor {
    return this.to('cpu');
  }

  clone(): Tensor {
    return wrap(native.clone(this.handle));
  }

  contiguous(): Tensor {
    return wrap(native.contiguous(this.handle));
  }

  isContiguous(): boolean {
    return native.isContiguous(this.handle);
  }

  // Autograd

  get requiresGrad(): boolean {
    return native.requiresGrad(this.handle);
  }

  set requiresGrad(flag: boolean) {
    native.setRequiresGrad(this.handle, flag);
  }

  requiresGrad_(flag = true): this {
    native.setRequiresGrad(this.handle, flag);
    return this;
  }

  /** The accumulated gradient, or null before the first backward pass. */
  get grad(): Tensor | null {
    const handle = native.grad(this.handle);
    return handle === null ? null : wrap(handle);
  }

  set grad(value: Tensor | null) {
    native.setGrad(this.handle, value === null ? null : value.handle);
  }

  get isLeaf(): boolean {
    return native.isLeaf(this.handle);
  }

  retainGrad(): this {
    native.retainGrad(this.handle);
    return this;
  }

  /** Accumulates gradients into the leaves; `gradient` is required for non-scalar tensors. */
  backward(gradient?: Tensor, options: { retainGraph?: boolean; createGraph?: boolean } = {}) {
    const createGraph = options.createGraph ?? false;
    native.backward(
      this.handle,
      gradient?.handle ?? null,
      options.retainGraph ?? createGraph,
      createGraph,
    );
  }

  detach(): Tensor {
    return wrap(native.detach(this.handle));
  }

  // In-place

  #inPlace(handle: Handle): this {
    native.dispose(handle);
    this.#shape = null;
    return this;
  }

  copy_(source: Tensor): this {
    return this.#inPlace(native.copy_(this.handle, source.handle));
  }

  fill_(value: number | boolean): this {
    return this.#inPlace(native.fill_(this.handle, value));
  }

  zero_(): this {
    return this.#inPlace(native.zero_(this.handle));
  }

  add_(other: TensorOrScalar, alpha = 1): this {
    return this.#inPlace(native.add_(this.handle, operand(other), alpha));
  }

  mul_(other: TensorOrScalar): this {
    return this.#inPlace(native.mul_(this.handle, operand(other)));
  }

  lerp_(end: Tensor, weight: number): this {
    return this.#inPlace(native.lerp_(this.handle, end.handle, weight));
  }

  clamp_(min: number | null, max: number | null = null): this {
    return this.#inPlace(native.clamp_(this.handle, min, max));
  }

  // Shape

  reshape(...shape: ShapeArgs): Tensor {
    return wrap(native.reshape(this.handle, shapeFromArgs(shape)));
  }

  view(...shape: ShapeArgs): Tensor {
    return wrap(native.view(this.handle, shapeFromArgs(shape)));
  }

  permute(...dims: ShapeArgs): Tensor {
    return wrap(native.permute(this.handle, shapeFromArgs(dims)));
  }

  transpose(dim0: number, dim1: number): Tensor {
    return wrap(native.transpose(this.handle, dim0, dim1));
  }

  /** The transpose of a matrix: transpose(-2, -1). */
  get mT(): Tensor {
    return this.transpose(-2, -1);
  }

  flatten(startDim = 0, endDim = -1): Tensor {
    return wrap(native.flatten(this.handle, startDim, endDim));
  }

  squeeze(dim?: number): Tensor {
    return wrap(native.squeeze(this.handle, dim ?? null));
  }

  unsqueeze(dim: number): Tensor {
    return wrap(native.unsqueeze(this.handle, dim));
  }

  split(sizeOrSections: number | number[], dim = 0): Tensor[] {
    return native.split(this.handle, sizeOrSections, dim).map(wrap);
  }

  chunk(chunks: number, dim = 0): Tensor[] {
    return native.chunk(this.handle, chunks, dim).map(wrap);
  }

  unbind(dim = 0): Tensor[] {
    return native.unbind(this.handle, dim).map(wrap);
  }

  narrow(dim: number, start: number, length: number): Tensor {
    return wrap(native.narrow(this.handle, dim, start, length));
  }

  /** Python's t[start:end:step] along `dim`; omitted bounds take the whole range. */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return wrap(native.slice(this.handle, dim, start ?? null, end ?? null, step));
  }

  select(dim: number, index: number): Tensor {
    return wrap(native.select(this.handle, dim, index));
  }

  indexSelect(dim: number, index: Tensor): Tensor {
    return wrap(native.indexSelect(this.handle, dim, index.handle));
  }

  gather(dim: number, index: Tensor): Tensor {
    return wrap(native.gather(this.handle, dim, index.handle));
  }

  scatter(dim: number, index: Tensor, source: Tensor | number): Tensor {
    const value = source instanceof Tensor ? source.handle : source;
    return wrap(native.scatter(this.handle, dim, index.handle, value));
  }

  scatterAdd(dim: number, index: Tensor, source: Tensor): Tensor {
    return wrap(native.scatterAdd(this.handle, dim, index.handle, source.handle));
  }

  /** Advanced indexing, as Python's t[i0, :, i2] with index tensors and null for ':'. */
  index(indices: (Tensor | null)[]): Tensor {
    return wrap(
      native.index(
        this.handle,
        indices.map((t) => (t === null ? null : t.handle)),
      ),
    );
  }

  maskedSelect(mask: Tensor): Tensor {
    return wrap(native.maskedSelect(this.handle, mask.handle));
  }

  expand(...sizes: ShapeArgs): Tensor {
    return wrap(native.expand(this.handle, shapeFromArgs(sizes)));
  }

  expandAs(other: Tensor): Tensor {
    return this.expand(other.shape);
  }

  repeat(...repeats: ShapeArgs): Tensor {
    return wrap(native.repeat(this.handle, shapeFromArgs(repeats)));
  }

  repeatInterleave(repeats: number, dim: number): Tensor {
    return wrap(native.repeatInterleave(this.handle, repeats, dim));
  }

  flip(dims: number | number[]): Tensor {
    return wrap(native.flip(this.handle, dimsArg(dims) ?? []));
  }

  roll(shifts: number | number[], dims: number | number[]): Tensor {
    return wrap(native.roll(this.handle, dimsArg(shifts) ?? [], dimsArg(dims) ?? []));
  }

  tril(diagonal = 0): Tensor {
    return wrap(native.tril(this.handle, diagonal));
  }

  triu(diagonal = 0): Tensor {
    return wrap(native.triu(this.handle, diagonal));
  }

  // Elementwise math; `other` broadcasts.

  add(other: TensorOrScalar, alpha = 1): Tensor {
    return wrap(native.add(this.handle, operand(other), alpha));
  }

  sub(other: TensorOrScalar, alpha = 1): Tensor {
    return wrap(native.sub(this.handle, operand(other), alpha));
  }

  mul(other: TensorOrScalar): Tensor {
    return wrap(native.mul(this.handle, operand(other)));
  }

  div(other: TensorOrScalar): Tensor {
    return wrap(native.div(this.handle, operand(other)));
  }

  floorDivide(other: TensorOrScalar): Tensor {
    return wrap(native.floorDivide(this.handle, operand(other)));
  }

  remainder(other: TensorOrScalar): Tensor {
    return wrap(native.remainder(this.handle, operand(other)));
  }

  pow(exponent: TensorOrScalar): Tensor {
    return wrap(native.pow(this.handle, operand(exponent)));
  }

  maximum(other: TensorOrScalar): Tensor {
    return wrap(native.maximum(this.handle, operand(other)));
  }

  minimum(other: TensorOrScalar): Tensor {
    return wrap(native.minimum(this.handle, operand(other)));
  }

  atan2(other: TensorOrScalar): Tensor {
    return wrap(native.atan2(this.handle, operand(other)));
  }

  eq(other: TensorOrScalar): Tensor {
    return wrap(native.eq(this.handle, operand(other)));
  }

  ne(other: TensorOrScalar): Tensor {
    return wrap(native.ne(this.handle, operand(other)));
  }

  lt(other: TensorOrScalar): Tensor {
    return wrap(native.lt(this.handle, operand(other)));
  }

  le(other: TensorOrScalar): Tensor {
    return wrap(native.le(this.handle, operand(other)));
  }

  gt(other: TensorOrScalar): Tensor {
    return wrap(native.gt(this.handle, operand(other)));
  }

  ge(other: TensorOrScalar): Tensor {
    return wrap(native.ge(this.handle, operand(other)));
  }

  logicalAnd(other: TensorOrScalar): Tensor {
    return wrap(native.logicalAnd(this.handle, operand(other)));
  }

  logicalOr(other: TensorOrScalar): Tensor {
    return wrap(native.logicalOr(this.handle, operand(other)));
  }

  logicalXor(other: TensorOrScalar): Tensor {
    return wrap(native.logicalXor(this.handle, operand(other)));
  }

  logicalNot(): Tensor {
    return wrap(native.logicalNot(this.handle));
  }

  neg(): Tensor {
    return wrap(native.neg(this.handle));
  }

  abs(): Tensor {
    return wrap(native.abs(this.handle));
  }

  sign(): Tensor {
    return wrap(native.sign(this.handle));
  }

  exp(): Tensor {
    return wrap(native.exp(this.handle));
  }

  expm1(): Tensor {
    return wrap(native.expm1(this.handle));
  }

  log(): Tensor {
    return wrap(native.log(this.handle));
  }

  log1p(): Tensor {
    return wrap(native.log1p(this.handle));
  }

  log2(): Tensor {
    return wrap(native.log2(this.handle));
  }

  sqrt(): Tensor {
    return wrap(native.sqrt(this.handle));
  }

  rsqrt(): Tensor {
    return wrap(native.rsqrt(this.handle));
  }

  square(): Tensor {
    return wrap(native.square(this.handle));
  }

  reciprocal(): Tensor {
    return wrap(native.reciprocal(this.handle));
  }

  sin(): Tensor {
    return wrap(native.sin(this.handle));
  }

  cos(): Tensor {
    return wrap(native.cos(this.handle));
  }

  erf(): Tensor {
    return wrap(native.erf(this.handle));
  }

  floor(): Tensor {
    return wrap(native.floor(this.handle));
  }

  ceil(): Tensor {
    return wrap(native.ceil(this.handle));
  }

  round(): Tensor {
    return wrap(native.round(this.handle));
  }

  trunc(): Tensor {
    return wrap(native.trunc(this.handle));
  }

  isnan(): Tensor {
    return wrap(native.isnan(this.handle));
  }

  isinf(): Tensor {
    return wrap(native.isinf(this.handle));
  }

  isfinite(): Tensor {
    return wrap(native.isfinite(this.handle));
  }

  relu(): Tensor {
    return wrap(native.relu(this.handle));
  }

  sigmoid(): Tensor {
    return wrap(native.sigmoid(this.handle));
  }

  tanh(): Tensor {
    return wrap(native.tanh(this.handle));
  }

  softmax(dim: number): Tensor {
    return wrap(native.softmax(this.handle, dim, null));
  }

  logSoftmax(dim: number): Tensor {
    return wrap(native.logSoftmax(this.handle, dim, null));
  }

  /** Limits each element to [min, max]; null leaves that side open. */
  clamp(min: number | null, max: number | null = null): Tensor {
    return wrap(native.clamp(this.handle, min, max));
  }

  maskedFill(mask: Tensor, value: TensorOrScalar): Tensor {
    return wrap(native.maskedFill(this.handle, mask.handle, operand(value)));
  }

  lerp(end: Tensor, weight: Tensor | number): Tensor {
    const w = weight instanceof Tensor ? weight.handle : weight;
    return wrap(native.lerp(this.handle, end.handle, w));
  }

  // Reductions: `dims` omitted reduces over every dimension.

  sum(dims?: number | readonly number[], options: ReduceOptions = {}): Tensor {
    const { keepdim = false, dtype = null } = options;
    return wrap(native.sum(this.handle, dimsArg(dims), keepdim, dtype));
  }

  mean(dims?: number | readonly number[], options: ReduceOptions = {}): Tensor {
    const { keepdim = false, dtype = null } = options;
    return wrap(native.mean(this.handle, dimsArg(dims), keepdim, dtype));
  }

  prod(dim?: number, keepdim = false): Tensor {
    return wrap(native.prod(this.handle, dim ?? null, keepdim));
  }

  /** The largest element, or { values, indices } of the largest along `dim`. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return wrap(native.max(this.handle, null, false));
    return wrapPair(native.max(this.handle, dim, keepdim));
  }

  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return wrap(native.min(this.handle, null, false));
    return wrapPair(native.min(this.handle, dim, keepdim));
  }

  amax(dims: number | number[], keepdim = false): Tensor {
    return wrap(native.amax(this.handle, dimsArg(dims) ?? [], keepdim));
  }

  amin(dims: number | number[], keepdim = false): Tensor {
    return wrap(native.amin(this.handle, dimsArg(dims) ?? [], keepdim));
  }

  argmax(dim?: number, keepdim = false): Tensor {
    return wrap(native.argmax(this.handle, dim ?? null, keepdim));
  }

  argmin(dim?: number, keepdim = false): Tensor {
    return wrap(native.argmin(this.handle, dim ?? null, keepdim));
  }

  var(dims?: number | readonly number[], options: VarianceOptions = {}): Tensor {
    const { correction = 1, keepdim = false } = options;
    return wrap(native.var(this.handle, dimsArg(dims), correction, keepdim));
  }

  std(dims?: number | readonly number[], options: VarianceOptions = {}): Tensor {
    const { correction = 1, keepdim = false } = options;
    return wrap(native.std(this.handle, dimsArg(dims), correction, keepdim));
  }

  logsumexp(dims: number | number[], keepdim = false): Tensor {
    return wrap(native.logsumexp(this.handle, dimsArg(dims) ?? [], keepdim));
  }

  /** The vector p-norm over `dims`, or over all elements. */
  norm(p = 2, dims?: number | number[], keepdim = false): Tensor {
    return wrap(native.norm(this.handle, p, dimsArg(dims), keepdim));
  }

  all(): Tensor {
    return wrap(native.all(this.handle));
  }

  any(): Tensor {
    return wrap(native.any(this.handle));
  }

  cumsum(dim: number): Tensor {
    return wrap(native.cumsum(this.handle, dim));
  }

  cumprod(dim: number): Tensor {
    return wrap(native.cumprod(this.handle, dim));
  }

  // Products and ordering

  matmul(other: Tensor): Tensor {
    return wrap(native.matmul(this.handle, other.handle));
  }

  mm(other: Tensor): Tensor {
    return wrap(native.mm(this.handle, other.handle));
  }

  bmm(other: Tensor): Tensor {
    return wrap(native.bmm(this.handle, other.handle));
  }

  topk(
    k: number,
    options: { dim?: number; largest?: boolean; sorted?: boolean } = {},
  ): { values: Tensor; indices: Tensor } {
    const { dim = -1, largest = true, sorted = true } = options;
    return wrapPair(native.topk(this.handle, k, dim, largest, sorted));
  }

  /** A stable sort along `dim`. */
  sort(dim = -1, descending = false): { values: Tensor; indices: Tensor } {
    return wrapPair(native.sort(this.handle, dim, descending));
  }

  argsort(dim = -1, descending = false): Tensor {
    const { values, indices } = this.sort(dim, descending);
    values.dispose();
    return indices;
  }
}

function nest(values: unknown[], shape: number[]): unknown {
  if (shape.length === 0) return values[0];
  const [size, ...rest] = shape as [number, ...number[]];
  const stride = rest.reduce((a, b) => a * b, 1);
  const result: unknown[] = [];
  for (let i = 0; i < size; i++)
    result.push(nest(values.slice(i * stride, (i + 1) * stride), rest));
  return result;
}
