/** The bundled example photos (public/examples, free licences: see ATTRIBUTION.md there). */
export const EXAMPLES = [
  { file: 'chelsea.png', title: 'Chelsea the cat', credit: 'Stefan van der Walt, CC0' },
  { file: 'coffee.png', title: 'Coffee cup', credit: 'Rachel Michetti, CC0' },
  { file: 'rocket.jpg', title: 'Falcon 9 launch', credit: 'SpaceX, public domain' },
  { file: 'china.jpg', title: 'Temple', credit: 'danielbuechele, CC BY 2.0' },
] as const;

export function exampleUrl(file: string): string {
  return new URL(`examples/${file}`, document.baseURI).href;
}
