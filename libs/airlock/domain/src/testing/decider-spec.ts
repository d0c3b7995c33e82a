// Given/when/then for deciders (after oskardudycz's DeciderSpecification): given past events,
// when a command, then the new events, or a coded refusal.
export type Decider<Command, Event, State> = {
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  initialState: State;
};

export function deciderSpec<Command, Event, State>(decider: Decider<Command, Event, State>) {
  return {
    given(events: Event[]) {
      return {
        when(command: Command) {
          const run = () => decider.decide(command, events.reduce(decider.evolve, decider.initialState));
          return {
            then(expected: Event[]) {
              expect(run()).toEqual(expected);
            },
            thenProduces(check: (events: Event[]) => void) {
              check(run());
            },
            thenNothingHappens() {
              expect(run()).toEqual([]);
            },
            thenRefuses(code: string) {
              expect(run).toThrow(expect.objectContaining({ code }));
            },
          };
        },
      };
    },
  };
}
