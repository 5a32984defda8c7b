/* src/policy/mtasts_state.h - fixture */
