import { Fragment } from 'react';
import { splitNumbers } from '../numbers';

/** Text whose numbers (with their units) never wrap: each sits in a `.num` span. */
export function Nums({ text }: { text: string }) {
  return (
    <>
      {splitNumbers(text).map((p, i) =>
        p.number ? (
          <span key={i} className="num">
            {p.text}
          </span>
        ) : (
          <Fragment key={i}>{p.text}</Fragment>
        ),
      )}
    </>
  );
}
