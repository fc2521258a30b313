// tfjs-node and tfjs-node-gpu are optional dependencies (their install downloads libtensorflow,
// which fails offline), so their type declarations may be absent. We import them only for their
// side effect of registering the 'tensorflow' backend, so no types are needed.
declare module '@tensorflow/tfjs-node';
declare module '@tensorflow/tfjs-node-gpu';
