/**
 * Compile-time proof that a type we read from a reply names only fields the official model has,
 * with compatible types, at any depth (ky's `Expect<Equal<…>>` idea). Structural
 * assignability alone would not do: every model field is optional, so a misspelt field of ours
 * would still be assignable. `Unknown<Ours, Model>` is the union of the paths of our fields the
 * model lacks or types differently; `Expect` accepts only `never`.
 */
type Leaf = string | number | boolean | null | undefined;

export type Unknown<O, M, P extends string = ""> = Check<NonNullable<O>, NonNullable<M>, P>;

type Check<O, M, P extends string> = [O] extends [Leaf]
  ? [O] extends [M]
    ? never
    : P
  : [O] extends [ReadonlyArray<infer A>]
    ? [M] extends [ReadonlyArray<infer B>]
      ? Unknown<A, B, `${P}[]`>
      : P
    : [O] extends [object]
      ? { [K in keyof O & string]-?: K extends keyof M ? Unknown<O[K], M[K], `${P}.${K}`> : `${P}.${K}` }[keyof O &
          string]
      : P;

/** Fails to compile unless T is `never`; the error names the offending paths. */
export type Expect<T extends never> = T;
