// Every word the visitor page shows, in one place, so that a deployment can translate the page by
// replacing this file (docs/WEB.md). Plain English, for a reading age of about 12.
// {name} in a text is filled in by the page. Keep the keys; change only the texts.
(function (root) {
  'use strict';
  root.NetreachStrings = {
    lang: 'en',
    dir: 'ltr',
    pageTitle: 'Chat',
    serviceName: 'Outreach chat',

    quickExit: 'Quick exit',
    quickExitHint: 'Leave this page at once. You can also press Esc 3 times.',

    loading: 'Loading…',
    loadFailed: 'We cannot reach the chat right now. Trying again…',

    homeTitle: 'Talk to us privately',
    homeIntro: 'Chat with our outreach team. We do not ask your name, number or email. Your messages are locked on your phone before they are sent, so only you and our team can read them.',
    startChat: 'Start a chat',
    haveAPhrase: 'I have a phrase',
    onDutyYes: 'Someone is on duty now. We usually answer within {minutes} minutes.',
    onDutyNo: 'Nobody is on duty right now. You can still leave a message, and we will answer when we are back.',
    onDutyUnknown: 'We usually answer within {minutes} minutes.',

    phraseTitle: 'Your secret phrase',
    phraseWarning: 'Write this down or screenshot it if it is safe to — it is the only way back to this chat.',
    phraseOnce: 'We will not show these words again. Anyone who has them can read this chat, so keep them safe.',
    phraseWord: 'Word {n}',
    rememberLabel: 'Remember me on this device',
    rememberHelp: 'If you tick this, this phone keeps the key to your chat. Anyone who opens this page on this phone can then read it. Quick exit removes it. If you do not tick it, nothing is kept on this phone.',
    phraseSaved: 'I have saved it — start the chat',
    back: 'Back',

    preparing: 'Setting up a private chat… {percent}%',
    preparingDone: 'Ready.',
    openFailed: 'We could not start the chat: {reason}',

    resumeTitle: 'Go back to your chat',
    resumeLabel: 'Type your 12 words',
    resumeHelp: 'Capitals and spaces do not matter. The first 4 letters of each word are enough.',
    resumeButton: 'Open my chat',
    resumeChecking: 'Opening your chat…',
    phraseWordCount: 'A phrase has 12 words. You typed {count}.',
    phraseUnknownWord: 'Word {position}, “{token}”, is not one of the phrase words.',
    phraseSuggest: 'Did you mean {words}?',
    phraseOr: ' or ',
    phraseChecksum: 'One of the words is wrong. Please check each word against what you wrote down.',
    phraseNoChat: 'We could not find a chat for these words. Please check each word against what you wrote down.',

    chatTitle: 'Your chat',
    waiting: 'Waiting for someone — we usually answer within {minutes} minutes.',
    waitingOffDuty: 'Nobody is on duty right now. Leave a message and we will answer when we are back.',
    staffHere: '{name} is here.',
    chatClosed: 'This chat is closed. You can still read it.',
    newChat: 'Start a new chat',
    connecting: 'Connecting…',
    reconnecting: 'Connection lost. Trying again…',
    reconnectingIn: 'Connection lost. Trying again in {seconds} seconds…',
    connected: 'Connected.',
    messageLabel: 'Your message',
    send: 'Send',
    you: 'You',
    ourTeam: 'Our team',
    sending: 'Sending',
    sent: 'Sent',
    stored: 'Delivered',
    failed: 'Not sent',
    retry: 'Try again',
    tooLong: 'This message is too long. Please split it into shorter messages.',
    noMessages: 'No messages yet. Say hello when you are ready.',
    remembered: 'This phone remembers this chat.',
    forget: 'Forget it on this phone',
    forgotten: 'This phone no longer remembers this chat.',
    unreadable: 'A message could not be opened.',

    safetyTitle: 'Safety and help',
    showSafety: 'Safety and help',
    hideSafety: 'Hide safety and help',
    alertsTitle: 'Safety alerts',
    alertsNone: 'No safety alerts have been posted here yet.',
    emergencyTitle: 'In an emergency',
    privacyTitle: 'Keeping this private',
    privacyTip: 'Quick exit clears this page, but your browser may still list this site in its history. A private (incognito) window keeps no history.',
    hoursTitle: 'When we are here',
    hoursNone: 'Leave a message at any time.',
    hoursZone: 'Times are for {zone}.',
    hoursLine: '{days}: {opens} to {closes}',
    days: { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' },
    dayJoin: ', ',

    keyringProblem: 'We could not check our team’s keys, so the chat is switched off to keep you safe. Please tell us another way.',
    oldBrowser: 'This browser is too old for a private chat. Please try another browser.',
    errors: {
      rateLimited: 'Too many tries. Please wait a moment.',
      unavailable: 'The chat cannot save messages right now. Trying again…',
      network: 'the connection was lost'
    }
  };
})(typeof self !== 'undefined' ? self : globalThis);
