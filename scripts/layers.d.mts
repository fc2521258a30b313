export const MAIN_LAYERS: readonly (readonly string[])[];
