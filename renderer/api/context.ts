/** React access to the API client (provided once by App). */
import { createContext, useContext } from 'react';
import type { N2sApi } from '../../shared/ipc/api.ts';

export const ApiContext = createContext<N2sApi | null>(null);

export function useApi(): N2sApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside <ApiContext.Provider>');
  return api;
}
